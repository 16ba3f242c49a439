/** Entry of the web gallery (built by Vite into dist/ui, served at / by the API server). */
import './components/vv-app.js';
