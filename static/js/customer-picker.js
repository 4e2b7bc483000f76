// "Who is it?" at take-in: suggests customers while the clerk types, from /customers/suggest/ (JSON).
// Arrow keys move through the suggestions, Enter picks one (the page opens with that customer chosen). Without
// this script the box is a plain search form: Enter lists the customers found, each a link.
(() => {
  const form = document.querySelector("form.customer-picker");
  if (!form) {
    return;
  }
  const input = form.querySelector("input[name=who]");
  const list = form.querySelector("[role=listbox]");
  const url = form.dataset.suggestUrl;
  let active = -1;
  let timer = null;
  let controller = null;

  const options = () => Array.from(list.querySelectorAll("[role=option]"));

  const highlight = (index) => {
    const all = options();
    active = all.length ? (index + all.length) % all.length : -1;
    all.forEach((option, i) => {
      option.setAttribute("aria-selected", String(i === active));
      option.classList.toggle("active", i === active);
    });
    if (active >= 0) {
      input.setAttribute("aria-activedescendant", all[active].id);
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  };

  const pick = (option) => {
    window.location.assign(`?customer=${encodeURIComponent(option.dataset.customer)}`);
  };

  const render = (customers) => {
    list.replaceChildren();
    customers.forEach((customer, i) => {
      const item = document.createElement("li");
      item.className = "list-group-item list-group-item-action";
      item.id = `who-option-${i}`;
      item.dataset.customer = customer.id;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      const name = document.createElement("strong");
      name.textContent = customer.name;
      const detail = document.createElement("span");
      detail.className = "small ms-2";
      detail.textContent = [customer.phones.join(", "), customer.email].filter(Boolean).join(" · ");
      item.append(name, detail);
      item.addEventListener("click", () => pick(item));
      list.append(item);
    });
    list.hidden = customers.length === 0;
    input.setAttribute("aria-expanded", String(customers.length > 0));
    highlight(customers.length ? 0 : -1);
  };

  const suggest = async () => {
    const text = input.value.trim();
    if (controller) {
      controller.abort();
    }
    if (text.length < 2) {
      render([]);
      return;
    }
    controller = new AbortController();
    try {
      const response = await fetch(`${url}?${new URLSearchParams({ q: text })}`, {
        headers: { Accept: "application/json" },
        signal: controller.signal,
      });
      if (response.ok) {
        render((await response.json()).customers);
      }
    } catch (error) {
      if (error.name !== "AbortError") {
        render([]);
      }
    }
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 120);
  });
  input.addEventListener("keydown", (event) => {
    const all = options();
    if (event.key === "ArrowDown" && all.length) {
      event.preventDefault();
      highlight(active + 1);
    } else if (event.key === "ArrowUp" && all.length) {
      event.preventDefault();
      highlight(active - 1);
    } else if (event.key === "Enter" && active >= 0 && all[active]) {
      event.preventDefault();
      pick(all[active]);
    } else if (event.key === "Escape") {
      render([]);
    }
  });
  // What was typed before this script ran (a fast clerk on a slow page) is looked up too.
  if (input.value.trim()) {
    suggest();
  }
})();
