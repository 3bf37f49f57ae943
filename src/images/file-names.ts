import type { ImageFormat } from './analysis.js';

// Control characters, and the bidirectional overrides that make "gpj.exe" look like "exe.jpg".
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const MAX_LENGTH = 200;
const EXTENSIONS: Record<ImageFormat, string[]> = {
  jpeg: ['jpg', 'jpeg', 'jpe'], png: ['png'], webp: ['webp'], gif: ['gif'], avif: ['avif'], tiff: ['tif', 'tiff'],
};

/** The user's file name as we keep it: no path, no invisible characters, a sane length. */
export function cleanFileName(raw: string): string {
  const base = raw.normalize('NFC').replace(INVISIBLE, '').split(/[/\\]/).pop()!.trim().replace(/^\.+/, '');
  if (base.length <= MAX_LENGTH) return base;
  const dot = base.lastIndexOf('.');
  const ext = dot > 0 && base.length - dot <= 10 ? base.slice(dot) : '';
  return base.slice(0, MAX_LENGTH - ext.length) + ext;
}

/** The name a download is saved under: the kept name, with an extension that matches the real format. */
export function downloadName(originalName: string, id: string, format: ImageFormat): string {
  const name = cleanFileName(originalName) || id;
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
  return EXTENSIONS[format].includes(ext) ? name : `${name}.${EXTENSIONS[format][0]}`;
}
