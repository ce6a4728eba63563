// Small progressive enhancements shared by every page. No inline handlers: the CSP forbids them.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.matches("select[data-autosubmit]")) el.form.requestSubmit();
});
