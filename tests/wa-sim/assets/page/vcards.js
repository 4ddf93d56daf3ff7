// vcards.js: contact cards as WhatsApp Web builds and reads them: a vCard 3.0 from a
// Contact model (with the waid parameter WhatsApp puts on the phone number), parsing a
// received card, and the display name of a parsed card.
(function () {
  'use strict';

  // vCard text values escape backslash, comma and semicolon (RFC 2426).
  const escapeValue = (text) => String(text).replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/;/g, '\\;');
  const unescapeValue = (text) => String(text).replace(/\\([\\,;nN])/g, (_m, c) => (c === 'n' || c === 'N' ? '\n' : c));

  __d('WAWebFrontendVcardUtils', () => ({
    // { displayName, vcard } for sending a contact card.
    vcardFromContactModel: (contact) => {
      const displayName = contact.formattedName;
      const phone = contact.id.user;
      const vcard = [
        'BEGIN:VCARD',
        'VERSION:3.0',
        `N:;${escapeValue(displayName)};;;`,
        `FN:${escapeValue(displayName)}`,
        `TEL;type=CELL;type=VOICE;waid=${phone}:+${phone}`,
        'END:VCARD',
      ].join('\n');
      return { displayName, vcard };
    },
  }));

  __d('WAWebVcardParsingUtils', () => ({
    // Properties of a card as {name, params, value}; throws when it is not a vCard.
    parseVcard: (text) => {
      const lines = String(text).replace(/\r\n/g, '\n').replace(/\n[ \t]/g, '').split('\n').filter(Boolean);
      if (lines[0] !== 'BEGIN:VCARD' || lines[lines.length - 1] !== 'END:VCARD') {
        throw new Error('not a vCard');
      }
      const properties = lines.slice(1, -1).map((line) => {
        const colon = line.indexOf(':');
        const [name, ...params] = line.slice(0, colon).split(';');
        return { name: name.toUpperCase(), params, value: line.slice(colon + 1) };
      });
      return { properties };
    },
  }));

  __d('WAWebVcardGetNameFromParsed', () => ({
    // FN, else the given and family names of N.
    vcardGetNameFromParsed: (parsed) => {
      const find = (name) => parsed.properties.find((p) => p.name === name);
      const fn = find('FN');
      if (fn && fn.value) return unescapeValue(fn.value);
      const n = find('N');
      if (!n) return '';
      const [family, given] = n.value.split(';');
      return [given, family].filter(Boolean).map(unescapeValue).join(' ');
    },
  }));
})();
