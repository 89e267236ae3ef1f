// A dialog's form and its error lines: each field's error under it (`<field id>-error`), and
// the form's own line (`<form id>-error`) for what names no field on the page.

/** Empty every error line of the form and unmark its fields. */
export function clearErrors(form) {
  for (const line of form.querySelectorAll(".error")) line.textContent = "";
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

/** Say `message` under the field with this id, or on the form's own line when the page has no
 * such field; the field marked invalid, if any, is returned (to take the focus). */
export function fieldError(form, id, message) {
  const line = id && document.getElementById(`${id}-error`);
  if (!line) {
    document.getElementById(`${form.id}-error`).textContent = message;
    return null;
  }
  line.textContent = message;
  const input = document.getElementById(id);
  if (input) input.setAttribute("aria-invalid", "true");
  return input;
}
