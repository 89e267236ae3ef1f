// What can be done to an invoice: remind (open), void (open or uncollectible) and mark
// uncollectible (open). The last two are final, so a dialog asks first.
import { element, link, request } from "./shared.js";
import { say, update } from "./live.js";

const FINAL = {
  void: {
    button: "Void",
    title: (label) => `Void invoice ${label}?`,
    text: "Voiding is final: the customer can no longer pay it, and it cannot be reopened.",
    confirm: "Void invoice",
    done: (label) => `Invoice ${label} is void.`,
  },
  "mark-uncollectible": {
    button: "Mark uncollectible",
    title: (label) => `Mark invoice ${label} uncollectible?`,
    text: "It stops counting as owed and cannot be reopened; the customer can still pay it, and it can still be voided.",
    confirm: "Mark uncollectible",
    done: (label) => `Invoice ${label} is marked uncollectible.`,
  },
};

const labelOf = (invoice) => invoice.number || invoice.id;

/** Ask, in the confirmation dialog, whether to go on; resolves true or false. */
export function confirmAction(title, text, confirmText) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-ok").textContent = confirmText;
  // Focus goes back where it was: to the row's menu button if the item is in a closed menu.
  const active = document.activeElement;
  const menu = active && active.closest("details.menu");
  const opener = menu ? menu.querySelector("summary") : active;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => {
        if (opener && opener.isConnected) opener.focus();
        resolve(dialog.returnValue === "confirm");
      },
      { once: true },
    );
  });
}

async function act(invoice, action) {
  const label = labelOf(invoice);
  const final = FINAL[action];
  if (final && !(await confirmAction(final.title(label), final.text, final.confirm))) return;
  say("");
  try {
    const changed = await request(`/invoices/${invoice.id}/${action}`, { method: "POST", body: {} });
    update(changed);
    say(final ? final.done(label) : `Invoice ${label} was sent again to ${changed.email}.`);
  } catch (error) {
    say(`${label}: ${error.message}`, true);
  }
}

function actionButton(invoice, action, text, className = "secondary") {
  const button = element("button", className, text);
  button.type = "button";
  button.dataset.action = action;
  button.setAttribute("aria-label", `${text.replace("…", "")} ${labelOf(invoice)}`);
  button.addEventListener("click", () => act(invoice, action));
  return button;
}

/** The actions that the invoice's state allows, as buttons. */
export function allowedActions(invoice) {
  const buttons = [];
  if (invoice.status === "open") buttons.push(actionButton(invoice, "remind", "Remind"));
  if (invoice.status === "open" || invoice.status === "uncollectible") {
    buttons.push(actionButton(invoice, "void", `${FINAL.void.button}…`));
  }
  if (invoice.status === "open") {
    buttons.push(actionButton(invoice, "mark-uncollectible", `${FINAL["mark-uncollectible"].button}…`));
  }
  return buttons;
}

/** One line of a row's actions: Remind when open, and a menu with the rest. */
export function rowActions(invoice) {
  const label = labelOf(invoice);
  const shown = [];
  const inMenu = allowedActions(invoice);
  if (inMenu[0]?.dataset.action === "remind") {
    const remind = inMenu.shift();
    remind.classList.add("compact");
    shown.push(remind);
  }
  const menu = element("details", "menu");
  const summary = element("summary", "", "More");
  summary.setAttribute("aria-label", `More for ${label}`);
  const items = element("div", "menu-items");
  items.append(link(`#${invoice.id}`, "Details"), link(`/invoices/${invoice.id}/pay`, "Pay page"), ...inMenu);
  menu.append(summary, items);
  shown.push(menu);
  return shown;
}

/** Close the open row menus on a click elsewhere, or on Escape (back to the menu's button). */
export function initMenus() {
  const closeAll = (except) => {
    for (const open of document.querySelectorAll("details.menu[open]")) {
      if (open !== except) open.open = false;
    }
  };
  document.addEventListener("click", (event) => {
    const inside = event.target.closest("details.menu");
    closeAll(inside);
    // A chosen item closes its menu too.
    if (inside && event.target.closest(".menu-items a, .menu-items button")) inside.open = false;
  });
  document.addEventListener("keydown", (event) => {
    const menu = event.target.closest && event.target.closest("details.menu[open]");
    if (event.key === "Escape" && menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
}
