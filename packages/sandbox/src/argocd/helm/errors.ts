/**
 * A subset of Go's text/template with the Sprig/Helm functions charts use most, enough to
 * render simple service charts without a helm binary. Anything outside the subset (see
 * README.md beside this file) throws a {@link TemplateError} naming the template and line, so a
 * sync fails clearly instead of rendering something wrong.
 */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}
