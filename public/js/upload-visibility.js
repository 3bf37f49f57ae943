// The upload form starts with the visibility last chosen in this browser by this user; a new account starts private.

export function rememberVisibility(form) {
  const key = form.dataset.visibilityKey;
  if (!key) return; // the page after a refused upload shows the user's own choice from the server
  let stored;
  try {
    stored = localStorage.getItem(key);
  } catch {
    return; // storage blocked: the server's default stays
  }
  const choice = form.querySelector(`input[name="visibility"][value="${stored}"]`);
  if (choice) choice.checked = true;
  form.addEventListener('change', (event) => {
    if (event.target.name !== 'visibility') return;
    try {
      localStorage.setItem(key, event.target.value);
    } catch {
      // not remembered, still used
    }
  });
}
