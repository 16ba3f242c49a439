/** Copying text, with the old fallback where the Clipboard API is refused (no permission, plain http). */
export async function copyText(value: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(value);
  } catch {
    const area = document.createElement('textarea');
    area.value = value;
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
}

const MIME: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', avif: 'image/avif', heic: 'image/heic' };

/**
 * Lets a drag out of the gallery carry the original file: Chromium's DownloadURL (dropped on the
 * desktop or a file manager it is saved; on ComfyUI or A1111's PNG Info it loads its metadata),
 * and the file's URL for everything else.
 */
export function carryOriginal(data: DataTransfer, image: { id: number; filename: string; format?: string | null }): void {
  const url = new URL(`/api/image/${image.id}/file`, location.href).href;
  data.setData('DownloadURL', `${MIME[image.format ?? ''] ?? 'application/octet-stream'}:${image.filename}:${url}`);
  data.setData('text/uri-list', url);
}
