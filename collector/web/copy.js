// A button that copies a value (a request id, a trace id) to the clipboard. The Clipboard API
// exists only in secure contexts (https, or loopback); elsewhere a selected text area is copied.
export function copyButton(value, what) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'copy';
  button.textContent = 'copy';
  button.title = `copy the ${what}`;
  button.addEventListener('click', async (event) => {
    event.stopPropagation();
    try {
      if (navigator.clipboard) await navigator.clipboard.writeText(value);
      else selectAndCopy(value);
      button.textContent = 'copied';
    } catch {
      button.textContent = 'copy failed: select it';
    }
  });
  return button;
}

function selectAndCopy(value) {
  const area = document.createElement('textarea');
  area.value = value;
  document.body.append(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('not copied');
}
