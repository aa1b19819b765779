// @ts-check
/**
 * The composer's location button and its sheet, as WhatsApp's attach → Location: a place to pick (a bare pin where
 * the customer is, or a place with a name and address), its fields filled in and editable, then Send. The page
 * only collects the pin; the simulator delivers it to the worker as Vonage's `location` inbound webhook. The sheet
 * is a modal <dialog>: focus moves into it, stays there, Escape closes it and gives focus back to what opened it.
 * Besides the composer's button, a location request message's Send location button opens it (render.js), as
 * tapping that button on a phone opens the location picker.
 */

import { h, icon, redrawn } from "./render.js";

/** @typedef {import("../chat-log.js").SharedLocation} SharedLocation */

/**
 * What the sheet offers, the first chosen when it opens the first time. Named places carry a name and an address,
 * as WhatsApp's nearby places do; "your current location" is a bare pin, as WhatsApp sends it.
 * @type {Array<{ label: string } & SharedLocation>}
 */
const PLACES = [
  { label: "Buckingham Palace", lat: 51.501364, long: -0.14189, name: "Buckingham Palace", address: "London SW1A 1AA" },
  { label: "King's Cross station", lat: 51.530881, long: -0.123575, name: "King's Cross station", address: "Euston Road, London N1 9AL" },
  { label: "Your current location (a pin, no name)", lat: 51.507351, long: -0.127758 },
];

/** @param {string} id */
function $(id) {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page lacks #${id}`);
  return el;
}

/** @param {string} id */
const field = (id) => /** @type {HTMLInputElement} */ ($(id));

/**
 * Wires the button and the sheet in index.html. `send` shares the pin for the customer held. Returns the sheet's
 * opener, for the other buttons that open it.
 * @param {{ send: (pin: SharedLocation) => Promise<void> }} options
 * @returns {{ open: () => void }}
 */
export function mountLocationSheet(options) {
  const dialog = /** @type {HTMLDialogElement} */ ($("location-sheet"));
  const button = $("location-button");
  const form = /** @type {HTMLFormElement} */ ($("location-form"));
  const [lat, long, name, address] = [field("location-lat"), field("location-long"), field("location-name"), field("location-address")];

  /** @param {number} n */
  const fill = (n) => {
    const place = PLACES[n];
    if (place === undefined) return;
    lat.value = String(place.lat);
    long.value = String(place.long);
    name.value = place.name ?? "";
    address.value = place.address ?? "";
  };
  const radios = PLACES.map((_, n) => /** @type {HTMLInputElement} */ (h("input", { type: "radio", name: "location-place", value: String(n), checked: n === 0, onchange: () => fill(n) })));
  $("location-places").replaceChildren(
    ...PLACES.map((place, n) =>
      h(
        "label",
        { class: "sheet-row location-place" },
        icon("pin"),
        h("span", { class: "sheet-row-text" }, h("span", { class: "sheet-row-title" }, place.label), h("span", { class: "sheet-row-desc" }, place.address ?? `${place.lat}, ${place.long}`)),
        radios[n] ?? null,
      ),
    ),
  );
  fill(0);

  const close = () => {
    if (dialog.open) dialog.close();
  };
  /** What had the focus when the sheet opened: it gets it back. @type {HTMLElement} */
  let opener = button;
  const open = () => {
    if (dialog.open) return;
    opener = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : button;
    dialog.showModal();
    (radios.find((r) => r.checked) ?? radios[0])?.focus();
  };
  button.addEventListener("click", open);
  // However it closes (Escape, the close button, Send), the button that opened it has the focus again. When the chat
  // was drawn again meanwhile (a status came in), that button is a new element in the same message's row: that one
  // gets it; the composer's button only when the message is gone.
  dialog.addEventListener("close", () => (opener.isConnected ? opener : (redrawn(opener) ?? button)).focus());
  $("location-close").addEventListener("click", close);
  dialog.addEventListener("click", (ev) => {
    if (ev.target === dialog) close(); // a click on the dimmed chat around the sheet, as in WhatsApp
  });
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    // The inputs' own limits (required, -90 to 90, -180 to 180) were checked before a submit fires.
    /** @type {SharedLocation} */
    const pin = { lat: lat.valueAsNumber, long: long.valueAsNumber };
    if (name.value.trim() !== "") pin.name = name.value.trim();
    if (address.value.trim() !== "") pin.address = address.value.trim();
    close();
    void options.send(pin);
  });
  return { open };
}
