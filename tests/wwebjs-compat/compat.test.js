'use strict';
// Unmodified whatsapp-web.js 1.34.7 against the wa-sim simulator. One named case per behaviour;
// the cases run in order and later ones reuse the session linked by the earlier ones, but each
// reports on its own. Run: npm test (see README.md).

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { Sim } = require('./lib/sim');
const { loadWwebjs, startClient, stopClient, killAllBrowsers, fmt } = require('./lib/wwebjs');
const { makePng } = require('./lib/png');

const EVENT_MS = Number(process.env.WA_COMPAT_EVENT_MS || 30000); // one awaited event
const BOOT_MS = Number(process.env.WA_COMPAT_BOOT_MS || 90000); // Chromium start → qr / ready
const CASE_MS = 3 * EVENT_MS + 30000; // global bound per case
const BOOT_CASE_MS = BOOT_MS + 2 * EVENT_MS;

// Phones (digits only). ME is the account whose phone links the whatsapp-web.js device.
const ME = '15550001111';
const BOB = '15550002222';
const CAROL = '15550003333';
const wid = (phone) => `${phone}@c.us`;

const log = (...a) => console.log('#', ...a);
/** A serialized id whether a value came as a string (event path) or a Wid/MsgKey object. */
const ser = (v) => (v == null ? v : typeof v === 'string' ? v : v._serialized);

const S = {
    sim: null,
    dataPath: null,
    client: null,
    rec: null,
    ready: false, // the current client reached `ready`
    qr: null,
};

function needReady() {
    if (!S.client || !S.ready) {
        throw new Error('prerequisite failed: no linked, ready client (see the earlier cases)');
    }
    return { client: S.client, rec: S.rec };
}

/** A contact (the simulated phone `from`) sends `to` (default ME) a message; waits for `message`. */
async function incoming(body, extra = {}) {
    const { rec } = needReady();
    const from = rec.events.length;
    const r = await S.sim.post('/_sim/messages', { from: BOB, to: ME, body, ...extra });
    assert.ok(r && typeof r.id === 'string', `POST /_sim/messages answered ${fmt(r)}`);
    const [msg] = await rec.waitFor(
        'message',
        (m) => m.id._serialized === r.id || (r.shortId && m.id.id === r.shortId),
        { timeoutMs: EVENT_MS, from },
    );
    return { r, msg };
}

describe('whatsapp-web.js 1.34.7 against wa-sim', () => {
    before(async () => {
        S.sim = await Sim.start({ log });
        process.on('exit', () => S.sim?.killNow());
        S.dataPath = fs.mkdtempSync(path.join(os.tmpdir(), 'wwebjs-compat-'));
        loadWwebjs(S.sim.url);
        await S.sim.post('/_sim/accounts', { phone: ME, pushname: 'Alice Compat' });
        await S.sim.post('/_sim/accounts', { phone: BOB, pushname: 'Bob Compat' });
        await S.sim.post('/_sim/accounts', { phone: CAROL, pushname: 'Carol Compat' });
    });

    after(async () => {
        await stopClient(S.client);
        S.client = null;
        if (process.env.WA_COMPAT_DEBUG && S.sim) {
            log('simulator output (tail):\n' + S.sim.output.slice(-60).join('\n'));
        }
        killAllBrowsers();
        await S.sim?.stop();
        if (S.dataPath) {
            try {
                fs.rmSync(S.dataPath, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
            } catch (e) {
                log(`could not remove ${S.dataPath}: ${e.message}`);
            }
        }
    });

    test('01 qr: the qr event arrives and its string scans through POST /_sim/scan', { timeout: BOOT_CASE_MS }, async () => {
        const { client, rec } = startClient(S.sim.url, { dataPath: S.dataPath, label: 'first' });
        S.client = client;
        S.rec = rec;
        const [qr] = await rec.waitFor('qr', () => true, { timeoutMs: BOOT_MS });
        assert.equal(typeof qr, 'string');
        const fields = qr.split(',');
        assert.equal(fields.length, 5, `qr should be ref,noiseKey,identityKey,advSecret,platform: ${qr}`);
        assert.ok(fields.every((f) => f.length > 0), `empty field in qr ${qr}`);
        S.qr = qr;
        const r = await S.sim.request('POST', '/_sim/scan', { qr, phone: ME, pushname: 'Alice Compat' });
        assert.equal(r.status, 200, `POST /_sim/scan -> ${r.status} ${r.text}`);
    });

    test('02 authenticated and ready follow the scan', { timeout: BOOT_CASE_MS }, async () => {
        assert.ok(S.qr, 'prerequisite failed: no scanned qr (case 01)');
        const { rec, client } = S;
        await rec.waitFor('authenticated', () => true, { timeoutMs: EVENT_MS });
        await rec.waitFor('ready', () => true, { timeoutMs: BOOT_MS });
        S.ready = true;
        assert.ok(client.info, 'client.info is set at ready');
        assert.equal(client.info.wid?._serialized, wid(ME), `client.info.wid = ${fmt(client.info.wid)}`);
        assert.equal(client.info.pushname, 'Alice Compat');
        assert.equal(await client.getState(), 'CONNECTED');
    });

    test('03 sendMessage returns a Message; message_create and message_ack >= 2 follow; /_sim/.../sent has it', { timeout: CASE_MS }, async () => {
        const { client, rec } = needReady();
        const { Message } = loadWwebjs(S.sim.url);
        const text = `hello from whatsapp-web.js ${Date.now()}`;
        const from = rec.events.length;
        const msg = await client.sendMessage(wid(BOB), text);
        assert.ok(msg instanceof Message, `sendMessage returned ${fmt(msg)}`);
        assert.equal(msg.body, text);
        assert.equal(msg.fromMe, true);
        assert.equal(msg.to, wid(BOB));
        assert.equal(msg.from, wid(ME));
        assert.equal(msg.type, 'chat');
        const id = msg.id._serialized;
        assert.ok(id.startsWith(`true_${wid(BOB)}_`), `message id ${id}`);

        const [created] = await rec.waitFor('message_create', (m) => m.id._serialized === id, { timeoutMs: EVENT_MS, from });
        assert.equal(created.body, text);
        const [, ack] = await rec.waitFor('message_ack', (m, a) => m.id._serialized === id && a >= 2, { timeoutMs: EVENT_MS, from });
        assert.ok(ack >= 2);
        assert.equal(rec.events.slice(from).some((e) => e.name === 'message' && e.args[0].id._serialized === id), false,
            'an own message must not raise `message`');

        const sent = await S.sim.get(`/_sim/accounts/${ME}/sent`);
        assert.ok(Array.isArray(sent), `sent = ${fmt(sent)}`);
        const entry = sent.find((e) => e.id === id || e.shortId === msg.id.id);
        assert.ok(entry, `sent list lacks ${id}: ${fmt(sent.slice(-3))}`);
        assert.equal(entry.body, text);
        assert.ok([BOB, wid(BOB)].includes(entry.to), `sent entry to = ${entry.to}`);
        S.sent = msg;
    });

    test('04 an incoming message (POST /_sim/messages) raises message with the right from and body', { timeout: CASE_MS }, async () => {
        const { rec } = needReady();
        const from = rec.events.length;
        const body = `hi from Bob ${Date.now()}`;
        const { r, msg } = await incoming(body);
        assert.equal(msg.from, wid(BOB));
        assert.equal(msg.to, wid(ME));
        assert.equal(msg.body, body);
        assert.equal(msg.fromMe, false);
        assert.equal(msg.type, 'chat');
        assert.equal(msg.id._serialized, r.id);
        assert.ok(rec.events.slice(from).some((e) => e.name === 'message_create' && e.args[0].id._serialized === r.id),
            'message_create also fires for an incoming message');
        const chat = await msg.getChat();
        assert.equal(chat.id._serialized, wid(BOB));
    });

    test('05 getChats and getContacts list them', { timeout: CASE_MS }, async () => {
        const { client } = needReady();
        const chats = await client.getChats();
        assert.ok(Array.isArray(chats) && chats.length > 0, `getChats = ${fmt(chats)}`);
        const chat = chats.find((c) => c.id._serialized === wid(BOB));
        assert.ok(chat, `no chat with Bob in ${fmt(chats.map((c) => c.id._serialized))}`);
        assert.equal(chat.isGroup, false);
        assert.equal(typeof chat.timestamp, 'number');
        assert.equal(typeof chat.unreadCount, 'number');

        const contacts = await client.getContacts();
        assert.ok(Array.isArray(contacts) && contacts.length > 0, `getContacts = ${fmt(contacts)}`);
        const bob = contacts.find((c) => c.id._serialized === wid(BOB));
        assert.ok(bob, `no contact Bob in ${fmt(contacts.map((c) => c.id._serialized))}`);
        assert.equal(bob.number, BOB);
        assert.equal(bob.isGroup, false);
        assert.equal(bob.isUser, true);
    });

    test('06 a restarted client on the same LocalAuth folder reaches ready without a qr', { timeout: BOOT_CASE_MS + 20000 }, async () => {
        needReady();
        await stopClient(S.client);
        S.client = null;
        S.ready = false;
        const { client, rec } = startClient(S.sim.url, { dataPath: S.dataPath, label: 'restarted' });
        S.client = client;
        S.rec = rec;
        await rec.waitFor('ready', () => true, { timeoutMs: BOOT_MS });
        assert.equal(rec.count('qr'), 0, 'a restored session must not show a qr');
        assert.ok(rec.count('authenticated') >= 1, 'authenticated precedes ready');
        S.ready = true;
        assert.equal(client.info?.wid?._serialized, wid(ME));
    });

    test('07 createGroup, then GroupChat.addParticipants; GET /_sim/groups/<id> shows them', { timeout: CASE_MS }, async () => {
        const { client, rec } = needReady();
        const subject = `Compat group ${Date.now() % 100000}`;
        const res = await client.createGroup(subject, [wid(BOB)]);
        assert.equal(typeof res, 'object', `createGroup returned ${fmt(res)}`);
        const gid = ser(res.gid);
        assert.ok(gid && gid.endsWith('@g.us'), `gid = ${fmt(res.gid)}`);
        assert.equal(res.participants?.[wid(BOB)]?.statusCode, 200, `participants = ${fmt(res.participants)}`);

        const chat = await client.getChatById(gid);
        assert.equal(chat.isGroup, true, `getChatById(${gid}) = ${fmt(chat)}`);
        assert.equal(chat.name, subject);
        const from = rec.events.length;
        const added = await chat.addParticipants([wid(CAROL)]);
        assert.equal(typeof added, 'object', `addParticipants returned ${fmt(added)}`);
        assert.equal(added[wid(CAROL)]?.code, 200, `addParticipants = ${fmt(added)}`);

        const g = await S.sim.get(`/_sim/groups/${encodeURIComponent(gid)}`);
        assert.equal(g.subject, subject);
        const phones = (g.participants || []).map((p) => p.phone);
        for (const p of [ME, BOB, CAROL]) assert.ok(phones.includes(p), `group participants ${fmt(phones)} lack ${p}`);
        const me = g.participants.find((p) => p.phone === ME);
        assert.ok(me.isAdmin || me.isSuperAdmin, `creator is not admin: ${fmt(me)}`);

        // WA Web records the add as a gp2 notification in the group: group_join.
        const [join] = await rec.waitFor(
            'group_join',
            (n) => n.chatId === gid && (n.recipientIds || []).map(ser).includes(wid(CAROL)),
            { timeoutMs: EVENT_MS, from },
        );
        assert.equal(join.type, 'add');
    });

    test('08 a reaction from a contact (POST /_sim/reactions) raises message_reaction', { timeout: CASE_MS }, async () => {
        const { client, rec } = needReady();
        const sentFrom = rec.events.length;
        const msg = await client.sendMessage(wid(BOB), `react to this ${Date.now()}`);
        // Bob's phone can only react once it has the message: wait for delivery (ack 2).
        await rec.waitFor('message_ack', (m, a) => m.id._serialized === msg.id._serialized && a >= 2,
            { timeoutMs: EVENT_MS, from: sentFrom });
        const from = rec.events.length;
        await S.sim.post('/_sim/reactions', { from: BOB, messageId: msg.id.id, reaction: '👍' });
        const [reaction] = await rec.waitFor(
            'message_reaction',
            (r) => r.reaction === '👍' && (ser(r.msgId) === msg.id._serialized || r.msgId?.id === msg.id.id),
            { timeoutMs: EVENT_MS, from },
        );
        assert.equal(ser(reaction.senderId), wid(BOB));
        assert.equal(typeof reaction.timestamp, 'number');
        assert.ok(reaction.id, 'reaction has an id (msgKey)');
    });

    test('09 a revoke from a contact (POST /_sim/revoke) raises message_revoke_everyone', { timeout: CASE_MS }, async () => {
        const { rec } = needReady();
        const body = `to be revoked ${Date.now()}`;
        const { r, msg } = await incoming(body);
        const from = rec.events.length;
        await S.sim.post('/_sim/revoke', { from: BOB, messageId: r.id });
        const [revoked, before] = await rec.waitFor(
            'message_revoke_everyone',
            (m) => m.id.id === msg.id.id,
            { timeoutMs: EVENT_MS, from },
        );
        assert.equal(revoked.type, 'revoked');
        assert.equal(revoked.from, wid(BOB));
        if (before) assert.equal(before.body, body, 'revoked_msg carries the original body');
    });

    test('10 an edit from a contact (POST /_sim/edit) raises message_edit', { timeout: CASE_MS }, async () => {
        const { rec } = needReady();
        const original = `original text ${Date.now()}`;
        const edited = `edited text ${Date.now()}`;
        const { r, msg } = await incoming(original);
        const from = rec.events.length;
        await S.sim.post('/_sim/edit', { from: BOB, messageId: r.id, body: edited });
        const [m, newBody, prevBody] = await rec.waitFor(
            'message_edit',
            (x) => x.id.id === msg.id.id,
            { timeoutMs: EVENT_MS, from },
        );
        assert.equal(newBody, edited);
        assert.equal(prevBody, original);
        assert.equal(m.body, edited);
        assert.equal(m.from, wid(BOB));
    });

    test('11 media from a contact downloads with msg.downloadMedia() to the same bytes', { timeout: CASE_MS }, async () => {
        needReady();
        const png = makePng(64, 64);
        const caption = `a picture ${Date.now()}`;
        const { msg } = await incoming(undefined, {
            media: { mimetype: 'image/png', data: png.toString('base64'), filename: 'noise.png' },
            caption,
        });
        assert.equal(msg.hasMedia, true, `hasMedia false: ${fmt(msg._data)}`);
        assert.equal(msg.type, 'image');
        assert.equal(msg.body, caption);
        const media = await msg.downloadMedia();
        assert.ok(media, `downloadMedia() returned ${media}`);
        assert.equal(media.mimetype.split(';')[0], 'image/png');
        if (media.filesize != null) assert.equal(media.filesize, png.length, 'MessageMedia.filesize');
        const bytes = Buffer.from(media.data, 'base64');
        assert.equal(bytes.length, png.length, 'downloaded size');
        assert.ok(bytes.equals(png), 'downloaded bytes differ from the sent ones');
    });
});
