// A Print button for printable pages (invoices): the browser's own print dialog, no inline handler.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.addEventListener("click", () => window.print());
  }
});
