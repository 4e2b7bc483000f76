// Small touches that need a script; loaded from our own origin, so the Content-Security-Policy holds.
document.addEventListener("DOMContentLoaded", () => {
  // After a refused form, put the cursor in the first field that needs fixing (its error is read with it).
  const invalid = document.querySelector(".is-invalid");
  if (invalid) {
    invalid.focus();
  }
});

// Ctrl+Enter (Cmd+Enter on a Mac) saves a form marked data-submit-shortcut, from any of its fields.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) {
    return;
  }
  const form = event.target.closest && event.target.closest("form[data-submit-shortcut]");
  if (form) {
    event.preventDefault();
    form.requestSubmit();
  }
});
