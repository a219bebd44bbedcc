/**
 * The one Content-Security-Policy for the studio, used by the web shell's HTML responses and the
 * Electron window alike: only our own scripts, no eval, no remote content, images from data/blob
 * URLs for thumbnails.
 */
export const STUDIO_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
