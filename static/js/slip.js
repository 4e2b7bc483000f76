// The claim slip's Print button (shown only when this script runs; the hint beside it says Ctrl+P otherwise).
document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector("[data-print]");
  if (!button) {
    return;
  }
  button.hidden = false;
  document.querySelector(".print-hint")?.setAttribute("hidden", "");
  button.addEventListener("click", () => window.print());
});
