// The header's dark-theme toggle. It stores a choice only while it differs from the system's, so toggling back
// follows the system again (public/js/theme.js applies the stored one before the first paint).
const systemDark = matchMedia('(prefers-color-scheme: dark)');
const root = document.documentElement;

const isDark = () => (root.dataset.theme ? root.dataset.theme === 'dark' : systemDark.matches);

function show(button) {
  const dark = isDark();
  button.setAttribute('aria-pressed', String(dark));
  button.classList.toggle('is-dark', dark);
}

function choose(dark) {
  const matchesSystem = dark === systemDark.matches;
  try {
    if (matchesSystem) localStorage.removeItem('theme');
    else localStorage.setItem('theme', dark ? 'dark' : 'light');
  } catch {
    // Not remembered, but it still applies to this page.
  }
  if (matchesSystem) delete root.dataset.theme;
  else root.dataset.theme = dark ? 'dark' : 'light';
}

export function enhanceThemeToggle() {
  const button = document.querySelector('[data-theme-toggle]');
  if (!button) return;
  button.hidden = false;
  show(button);
  button.addEventListener('click', () => {
    choose(!isDark());
    show(button);
  });
  systemDark.addEventListener('change', () => show(button));
  // Another tab changed it.
  addEventListener('storage', (event) => {
    if (event.key !== 'theme') return;
    if (event.newValue === 'dark' || event.newValue === 'light') root.dataset.theme = event.newValue;
    else delete root.dataset.theme;
    show(button);
  });
}
