'use strict';
// Normalises two JSON answers (one built from whatsapp-web.js as wwebjs-api builds it, one from
// the gateway) so that only what must be equal is compared, and describes the first difference.
//
// What is normalised, and why it may differ between two accounts in one simulated network:
// - the two accounts' own phone numbers -> <me>; LIDs -> <lid1>... by order of appearance
// - message ids, group ids and other random ids -> <id1>, <id2>... by order of appearance, so
//   two answers of the same structure get the same placeholders
// - unix timestamps (seconds or ms) -> <t>, <t-ms>
// - per-upload random media fields (keys, hashes, paths) -> <random>
// Key order is kept: the texts are compared after JSON.stringify.

const RANDOM_KEYS = new Set([
    'mediaKey',
    'mediaKeyTimestamp',
    'filehash',
    'encFilehash',
    'directPath',
    'deprecatedMms3Url',
    'staticUrl',
    'messageSecret',
    'scanLengths',
    'scansSidecar',
    'streamingSidecar',
    'firstFrameSidecar',
    'inviteCode',
    'clientUrl',
]);

// Random hex ids: WhatsApp message ids (3EB0..., 3A..., sim ids) are 16+ upper-case hex chars.
// Lookarounds instead of \b: ids sit after an underscore in serialized keys (false_<chat>_<id>).
const HEX_ID = /(?<![0-9A-Za-z])[0-9A-F]{16,}(?![0-9A-Za-z])/g;
const GROUP_ID = /(?<!\d)\d{15,}(?:-\d+)?@g\.us\b/g;
const NEWSLETTER_ID = /(?<!\d)\d{10,}@newsletter\b/g;
const LID = /(?<!\d)\d{8,}@lid\b/g;
// Object URLs of blobs in the page (a media's renderableUrl).
const BLOB_URL = /blob:[^\s"]+/g;
// Millisecond timestamps written as strings (e.g. a business profile's tag).
const MS_STRING = /^1\d{12}$/;

function makeNormalizer({ mePhones }) {
    const me = mePhones.map((p) => new RegExp(`(?<!\\d)${p}(?!\\d)`, 'g'));
    return function normalize(value) {
        const seen = new Map();
        const counters = {};
        const ph = (kind, token) => {
            const key = `${kind}:${token}`;
            if (!seen.has(key)) {
                counters[kind] = (counters[kind] || 0) + 1;
                seen.set(key, `<${kind}${counters[kind]}>`);
            }
            return seen.get(key);
        };
        const str = (s) => {
            let out = s;
            for (const re of me) out = out.replace(re, '<me>');
            out = out.replace(GROUP_ID, (m) => ph('group', m));
            out = out.replace(NEWSLETTER_ID, (m) => ph('channel', m));
            out = out.replace(LID, (m) => ph('lid', m));
            out = out.replace(HEX_ID, (m) => ph('id', m));
            out = out.replace(BLOB_URL, '<blob>');
            return out;
        };
        const walk = (v, key) => {
            if (RANDOM_KEYS.has(key) && v !== null && v !== undefined) return '<random>';
            if (Array.isArray(v)) return v.map((x) => walk(x, undefined));
            if (v && typeof v === 'object') {
                const out = {};
                for (const [k, x] of Object.entries(v)) out[str(k)] = walk(x, k);
                return out;
            }
            if (typeof v === 'string') return MS_STRING.test(v) ? '<t-ms>' : str(v);
            if (typeof v === 'number') {
                if (v >= 1.5e9 && v < 2.5e9) return '<t>';
                if (v >= 1.5e12 && v < 2.5e12) return '<t-ms>';
            }
            return v;
        };
        return walk(value, undefined);
    };
}

const typeOf = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** The first difference between two normalised values, as text, or null when equal. */
function firstDifference(a, b, path = '$') {
    if (typeOf(a) !== typeOf(b)) {
        return `${path}: ${typeOf(a)} ${short(a)} (wwebjs-api) vs ${typeOf(b)} ${short(b)} (gateway)`;
    }
    if (Array.isArray(a)) {
        if (a.length !== b.length) return `${path}: ${a.length} items (wwebjs-api) vs ${b.length} (gateway)`;
        for (let i = 0; i < a.length; i++) {
            const d = firstDifference(a[i], b[i], `${path}[${i}]`);
            if (d) return d;
        }
        return null;
    }
    if (a && typeof a === 'object') {
        const ka = Object.keys(a);
        const kb = Object.keys(b);
        const missing = ka.filter((k) => !(k in b));
        const extra = kb.filter((k) => !(k in a));
        if (missing.length || extra.length) {
            return `${path}: keys only in wwebjs-api [${missing.join(',')}], only in gateway [${extra.join(',')}]`;
        }
        for (const k of ka) {
            const d = firstDifference(a[k], b[k], `${path}.${k}`);
            if (d) return d;
        }
        if (ka.join(',') !== kb.join(',')) {
            return `${path}: key order differs: wwebjs-api [${ka.join(',')}] vs gateway [${kb.join(',')}]`;
        }
        return null;
    }
    return a === b ? null : `${path}: ${short(a)} (wwebjs-api) vs ${short(b)} (gateway)`;
}

function short(v) {
    const s = JSON.stringify(v);
    return s && s.length > 160 ? s.slice(0, 160) + '…' : s;
}

module.exports = { makeNormalizer, firstDifference };
