// media.js: filled in below
