'use strict';
// What wwebjs-api adds on top of whatsapp-web.js, so the differential compares the gateway with
// wwebjs-api's answers and not with the bare library:
// - its `patchWWebLibrary` (run once at `ready`): getChats reads every chat of the collection,
//   with the `unread` and `since` filters; Chat.fetchMessages filters on fromMe, since and the
//   short message id, and pages through earlier messages until `limit` is reached;
// - its answers: `{success: true, <key>: <result>}` through JSON.stringify (so undefined keys
//   disappear), and `{success: false, error: <message>}` with 500 when the controller throws;
// - its webhook bodies: `{dataType, data, sessionId}`.

function applyWwebjsApiPatches(client, wwebjs) {
    const ChatFactory = require('whatsapp-web.js/src/factories/ChatFactory');
    const { Chat, Message } = wwebjs;

    client.getChats = async function getChats(searchOptions = {}) {
        const raw = await this.pupPage.evaluate(async (opts) => {
            const wanted = (c) =>
                !(opts.unread === true && c.unreadCount === 0) &&
                !(opts.since !== undefined && Number.isFinite(opts.since) && c.t < opts.since);
            const all = window.require('WAWebCollections').Chat.getModelsArray().filter(wanted);
            return Promise.all(all.map((c) => window.WWebJS.getChatModel(c)));
        }, searchOptions);
        return raw.map((c) => ChatFactory.create(this, c));
    };

    Chat.prototype.fetchMessages = async function fetchMessages(searchOptions) {
        const raw = await this.client.pupPage.evaluate(
            async (chatId, opts) => {
                const wanted = (m) =>
                    !m.isNotification &&
                    !(opts && opts.fromMe !== undefined && m.id.fromMe !== opts.fromMe) &&
                    !(opts && opts.since !== undefined && Number.isFinite(opts.since) && m.t < opts.since) &&
                    !(opts && opts.messageId !== undefined && m.id.id !== opts.messageId);
                const chat = await window.WWebJS.getChat(chatId, { getAsModel: false });
                let msgs = chat.msgs.getModelsArray().filter(wanted);
                if (opts && opts.limit > 0) {
                    while (msgs.length < opts.limit) {
                        const earlier = await window.require('WAWebChatLoadMessages').loadEarlierMsgs({ chat });
                        if (!earlier || !earlier.length) break;
                        msgs = [...earlier.filter(wanted), ...msgs];
                    }
                    if (msgs.length > opts.limit) {
                        msgs.sort((a, b) => (a.t > b.t ? 1 : -1));
                        msgs = msgs.splice(msgs.length - opts.limit);
                    }
                }
                return msgs.map((m) => window.WWebJS.getMessageModel(m));
            },
            this.id._serialized,
            searchOptions,
        );
        return raw.map((m) => new Message(this.client, m));
    };
}

/** The answer wwebjs-api's controller sends for a result (or a thrown error). */
async function answerOf(key, produce) {
    try {
        const result = await produce();
        const body = key === null ? { success: true } : { success: true, [key]: result };
        return { status: 200, json: JSON.parse(JSON.stringify(body)) };
    } catch (err) {
        return { status: 500, json: { success: false, error: err instanceof Error ? err.message : err } };
    }
}

/**
 * wwebjs-api's `_getMessageById` (the patched fetchMessages by short id) and the check its
 * message controllers make on the result.
 */
async function messageById(client, chatId, shortId) {
    const chat = await client.getChatById(chatId);
    const [message] = await chat.fetchMessages({ messageId: shortId, limit: 1 });
    if (!message) throw new Error('Message not found');
    return message;
}

/** A webhook body as wwebjs-api posts it, frozen at the moment of the event. */
function webhookBody(sessionId, dataType, data) {
    return JSON.parse(JSON.stringify({ dataType, data, sessionId }));
}

/**
 * Records, for a whatsapp-web.js client, the webhook bodies wwebjs-api would post for each event
 * it forwards (the subset the differential triggers), including its custom `media` event.
 */
function recordWebhooks(client, sessionId, log, { maxAttachmentSize = 10000000 } = {}) {
    const post = (dataType, data) => log.push(webhookBody(sessionId, dataType, data));
    client.on('message', async (message) => {
        post('message', { message });
        if (message.hasMedia && message._data?.size < maxAttachmentSize) {
            try {
                const messageMedia = await message.downloadMedia();
                post('media', { messageMedia, message });
            } catch {}
        }
    });
    client.on('message_create', (message) => post('message_create', { message }));
    client.on('message_ack', (message, ack) => post('message_ack', { message, ack }));
    client.on('message_reaction', (reaction) => post('message_reaction', { reaction }));
    client.on('message_edit', (message, newBody, prevBody) => post('message_edit', { message, newBody, prevBody }));
    client.on('message_revoke_everyone', (message) => post('message_revoke_everyone', { message }));
    client.on('group_join', (notification) => post('group_join', { notification }));
    client.on('group_leave', (notification) => post('group_leave', { notification }));
    client.on('group_update', (notification) => post('group_update', { notification }));
    client.on('group_admin_changed', (notification) => post('group_admin_changed', { notification }));
    client.on('vote_update', (vote) => post('vote_update', { vote }));
    client.on('chat_archived', (chat, currState, prevState) => post('chat_archived', { chat, currState, prevState }));
    client.on('unread_count', (chat) => post('unread_count', { chat }));
    client.on('call', (call) => post('call', { call }));
    client.on('media_uploaded', (message) => post('media_uploaded', { message }));
    client.on('message_ciphertext', (message) => post('message_ciphertext', { message }));
    // The library passes (message, revokedMsg); wwebjs-api forwards only the first.
    client.on('message_revoke_me', (message) => post('message_revoke_me', { message }));
    client.on('chat_removed', (chat) => post('chat_removed', { chat }));
    client.on('group_membership_request', (notification) => post('group_membership_request', { notification }));
    client.on('contact_changed', (message, oldId, newId, isContact) => post('contact_changed', { message, oldId, newId, isContact }));
    client.on('change_state', (state) => post('change_state', { state }));
}

module.exports = { applyWwebjsApiPatches, answerOf, messageById, recordWebhooks };
