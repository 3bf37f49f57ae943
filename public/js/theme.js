// Loaded as a classic script in <head>, so it runs before the page is first painted: a theme chosen with the
// header's toggle (stored only while it differs from the system's) is on <html> before anything shows.
// Without a stored choice, app.css follows prefers-color-scheme by itself.
try {
  const theme = localStorage.getItem('theme');
  if (theme === 'dark' || theme === 'light') document.documentElement.dataset.theme = theme;
} catch {
  // Storage can be blocked (privacy settings): the system's theme then applies.
}
