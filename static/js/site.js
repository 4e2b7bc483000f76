// Small touches that need a script; loaded from our own origin, so the Content-Security-Policy holds.
document.addEventListener("DOMContentLoaded", () => {
  // After a refused form, put the cursor in the first field that needs fixing (its error is read with it).
  const invalid = document.querySelector(".is-invalid");
  if (invalid) {
    invalid.focus();
  }
});
