// wa-gateway bridge, client module: the account, its chats, contacts and labels, as the
// whatsapp-web.js 1.34.7 Client methods do it. Each function returns what the library method
// returns (the HTTP handlers shape wwebjs-api's answers from it).
(() => {
  const wagw = window.__wagw;
  const mod = (name) => wagw.mod(name);
  const Collections = () => mod('WAWebCollections');
  const createWid = (id) => mod('WAWebWidFactory').createWid(id);
  const isChannelId = (id) => /@\w*newsletter\b/.test(id);

  /** The chat model, or a 500 'Chat not found' (where the library would crash on null). */
  async function requireChat(chatId) {
    const chat = await wagw.models.findChat(chatId);
    if (!chat) throw wagw.fail(500, 'Chat not found');
    return chat;
  }

  const chatJson = (chat) => wagw.models.chat(chat, { isChannel: isChannelId(chat.id._serialized) });

  /** whatsapp-web.js WWebJS.getContact. */
  async function contactJson(contactId) {
    const wid = createWid(contactId);
    const contact = await Collections().Contact.find(wid);
    if (contact.isBusiness || contact.isEnterprise) {
      await Collections().BusinessProfile.find(wid).catch(() => {});
    }
    return wagw.models.contact(contact);
  }

  function labelJson(labelId) {
    const label = Collections().Label.get(String(labelId));
    if (!label) throw wagw.fail(500, 'Label not found');
    return wagw.models.label(label);
  }

  const isBusinessAccount = () => ['smba', 'smbi'].includes(mod('WAWebConnModel').Conn.platform);

  // whatsapp-web.js ClientInfo: Conn.serialize() plus the account's wid (phone number, else LID).
  wagw.register('client.getClassInfo', () => {
    const conn = mod('WAWebConnModel').Conn.serialize();
    const me = mod('WAWebUserPrefsMeUser');
    const wid = me.getMaybeMePnUser() || me.getMaybeMeLidUser();
    return { pushname: conn.pushname, wid, me: wid, phone: conn.phone, platform: conn.platform };
  });

  wagw.register('client.getWWebVersion', () => window.Debug.VERSION);

  // ---- chats ------------------------------------------------------------------------------

  // wwebjs-api's patched getChats: {unread: true} keeps chats with unread messages, {since}
  // the chats active at or after that unix time.
  wagw.register('client.getChats', ({ searchOptions = {} }) => {
    const options = searchOptions || {};
    const wanted = (chat) =>
      !(options.unread === true && chat.unreadCount === 0) &&
      !(options.since !== undefined && Number.isFinite(options.since) && chat.t < options.since);
    return Promise.all(Collections().Chat.getModelsArray().filter(wanted).map((chat) => wagw.models.chat(chat)));
  });

  // null when there is no such chat (the handler answers 500 'Chat not found').
  wagw.register('client.getChatById', async ({ chatId }) => {
    const chat = await wagw.models.findChat(chatId);
    return chat ? chatJson(chat) : null;
  });

  wagw.register('client.archiveChat', async ({ chatId }) => {
    await mod('WAWebCmd').Cmd.archiveChat(await requireChat(chatId), true);
    return true;
  });

  // The library answers the new archived state.
  wagw.register('client.unarchiveChat', async ({ chatId }) => {
    await mod('WAWebCmd').Cmd.archiveChat(await requireChat(chatId), false);
    return false;
  });

  // WhatsApp pins at most 3 chats (pinned chats sort first): the library answers false then.
  const MAX_PIN_COUNT = 3;
  wagw.register('client.pinChat', async ({ chatId }) => {
    const chat = await requireChat(chatId);
    if (chat.pin) return true;
    const chats = Collections().Chat.getModelsArray();
    const pinned = chats.filter((c) => c.pin).length;
    if (pinned >= MAX_PIN_COUNT) return false;
    await mod('WAWebCmd').Cmd.pinChat(chat, true);
    return true;
  });

  wagw.register('client.unpinChat', async ({ chatId }) => {
    const chat = await requireChat(chatId);
    if (chat.pin) await mod('WAWebCmd').Cmd.pinChat(chat, false);
    return false;
  });

  // unmuteDate: unix seconds, or absent to mute forever (-1).
  wagw.register('client.muteChat', async ({ chatId, unmuteDate }) => {
    const chat = await requireChat(chatId);
    await chat.mute.mute({ expiration: unmuteDate ? Math.floor(unmuteDate) : -1, sendDevice: true });
    return { isMuted: chat.mute.expiration !== 0, muteExpiration: chat.mute.expiration };
  });

  wagw.register('client.unmuteChat', async ({ chatId }) => {
    const chat = await requireChat(chatId);
    await chat.mute.unmute({ sendDevice: true });
    return { isMuted: chat.mute.expiration !== 0, muteExpiration: chat.mute.expiration };
  });

  wagw.register('client.markChatUnread', async ({ chatId }) => {
    await mod('WAWebCmd').Cmd.markChatUnread(await requireChat(chatId), true);
  });

  // whatsapp-web.js WWebJS.sendSeen: false when the chat cannot be found.
  wagw.register('client.sendSeen', async ({ chatId }) => {
    const chat = await wagw.models.findChat(chatId);
    if (!chat) return false;
    const { Stream } = mod('WAWebStreamModel');
    Stream.markAvailable();
    await mod('WAWebUpdateUnreadChatAction').sendSeen({ chat, threadId: undefined });
    Stream.markUnavailable();
    return true;
  });

  wagw.register('client.openChatWindow', async ({ chatId }) => {
    await mod('WAWebCmd').Cmd.openChatBottom({ chat: await requireChat(chatId) });
  });

  wagw.register('client.openChatWindowAt', async ({ messageId }) => {
    const msg = await wagw.models.findMessage(messageId);
    if (!msg) throw wagw.fail(500, 'Message not found');
    const C = Collections();
    const chat = C.Chat.get(msg.id.remote) || (await C.Chat.find(msg.id.remote));
    const msgContext = await mod('WAWebChatMessageSearch').getSearchContext(chat, msg.id);
    await mod('WAWebCmd').Cmd.openChatAt({ chat, msgContext });
  });

  // Only chats whose history the phone still holds more of can ask for it.
  wagw.register('client.syncHistory', async ({ chatId }) => {
    const C = Collections();
    const wid = createWid(chatId);
    const chat = C.Chat.get(wid) || (await C.Chat.find(wid).catch(() => null));
    if (chat && chat.endOfHistoryTransferType === 0) {
      await mod('WAWebSendNonMessageDataRequest').sendPeerDataOperationRequest(3, { chatId: chat.id });
      return true;
    }
    return false;
  });

  wagw.register('client.searchMessages', async ({ query, options = {} }) => {
    const { page, limit, chatId } = options || {};
    const { messages } = await Collections().Msg.search(query, page, limit, chatId);
    return messages.map((msg) => wagw.models.message(msg));
  });

  // ---- contacts and numbers -----------------------------------------------------------------

  /** Every contact that can be read: one that cannot (a garbage id a lookup left behind) is
   *  left out and logged, never failing the whole list. */
  async function readableContacts(ids) {
    const results = await Promise.allSettled(ids.map((id) => contactJson(id)));
    results.forEach((r, i) => {
      if (r.status === 'rejected') console.debug('[wagw] contact left out of a list:', ids[i], String(r.reason));
    });
    return results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
  }

  wagw.register('client.getContacts', () =>
    readableContacts(Collections().Contact.getModelsArray().map((c) => c.id._serialized)));

  wagw.register('client.getContactById', ({ contactId }) => contactJson(contactId));

  wagw.register('client.getBlockedContacts', () =>
    readableContacts(Collections().Blocklist.getModelsArray().map((entry) => entry.id._serialized)));

  // The ids of the groups both accounts are in.
  wagw.register('client.getCommonGroups', async ({ contactId }) => {
    const contacts = Collections().Contact;
    let contact = contacts.get(contactId);
    if (!contact) {
      const ContactModel = contacts.getModelsArray().find((c) => !c.isGroup).constructor;
      contact = new ContactModel({ id: createWid(contactId) });
    }
    if (!contact.commonGroups) {
      const found = await mod('WAWebFindCommonGroupsContactAction').findCommonGroups(contact);
      if (!found || !contact.commonGroups) return [];
    }
    return contact.commonGroups.serialize().map((group) => group.id);
  });

  /** whatsapp-web.js getNumberId: the Wid WhatsApp knows the number by, or null. */
  async function numberId(number) {
    const id = String(number).endsWith('@c.us') ? String(number) : `${number}@c.us`;
    const result = await mod('WAWebQueryExistsJob').queryWidExists(createWid(id));
    return result && result.wid !== undefined ? result.wid : null;
  }

  wagw.register('client.getNumberId', ({ number }) => numberId(number));

  wagw.register('client.isRegisteredUser', async ({ number }) => Boolean(await numberId(number)));

  // The picture's URL; undefined (no key in the answer) when there is none.
  wagw.register('client.getProfilePicUrl', async ({ contactId }) => {
    try {
      const picture = await mod('WAWebContactProfilePicThumbBridge').requestProfilePicFromServer(createWid(contactId));
      return picture ? picture.eurl : undefined;
    } catch (err) {
      if (err && err.name === 'ServerStatusCodeError') return undefined;
      throw err;
    }
  });

  wagw.register('client.getContactDeviceCount', async ({ userId }) => {
    const devices = await mod('WAWebApiDeviceList').getDeviceIds([createWid(userId)]);
    if (devices && devices.length && devices[0] != null && typeof devices[0].devices === 'object') {
      return devices[0].devices.length;
    }
    return 0;
  });

  wagw.register('client.getCountryCode', ({ number }) =>
    mod('WAPhoneFindCC').findCC(String(number).replace(' ', '').replace('+', '').replace('@c.us', '')));

  wagw.register('client.getFormattedNumber', ({ number }) => {
    let id = String(number);
    if (!id.endsWith('@s.whatsapp.net')) id = id.replace('c.us', 's.whatsapp.net');
    if (!id.includes('@s.whatsapp.net')) id = `${id}@s.whatsapp.net`;
    return mod('WAWebPhoneUtils').formattedPhoneNumber(id);
  });

  /** whatsapp-web.js WWebJS.enforceLidAndPnRetrieval: {lid, phone} Wids, {} for no such user. */
  async function lidAndPhone(userId) {
    const wid = createWid(userId);
    const api = mod('WAWebApiContact');
    const isLid = wid.server === 'lid';
    let lid = isLid ? wid : api.getCurrentLid(wid);
    let phone = isLid ? api.getPhoneNumber(wid) : wid;
    if (!lid || !phone) {
      const found = await mod('WAWebQueryExistsJob').queryWidExists(wid);
      if (!found || !found.wid) return {};
      lid = lid || found.lid;
      phone = phone || found.wid;
    }
    return { lid, phone };
  }

  wagw.register('client.getContactLidAndPhone', ({ userIds = [] }) => {
    const ids = Array.isArray(userIds) ? userIds : [userIds];
    return Promise.all(ids.map(async (userId) => {
      const { lid, phone } = await lidAndPhone(userId);
      return { lid: lid && lid._serialized, pn: phone && phone._serialized };
    }));
  });

  // ---- groups -------------------------------------------------------------------------------

  wagw.register('client.acceptInvite', async ({ inviteCode }) => {
    const result = await mod('WAWebGroupInviteJob').joinGroupViaInvite(inviteCode);
    return result.gid._serialized;
  });

  wagw.register('client.getInviteInfo', ({ inviteCode }) => mod('WAWebGroupQueryJob').queryGroupInvite(inviteCode));

  const ADD_PARTICIPANT_RESULTS = {
    default: 'An unknown error occupied while adding a participant',
    200: 'The participant was added successfully',
    403: 'The participant can be added by sending private invitation only',
    404: 'The phone number is not registered on WhatsApp',
  };

  // whatsapp-web.js createGroup: {title, gid, participants: {<id>: {statusCode, message,
  // isGroupCreator, isInviteV4Sent}}}, or an error string when WhatsApp refuses the group.
  wagw.register('client.createGroup', async ({ title, participants = [], options = {} }) => {
    const { messageTimer = 0, parentGroupId } = options || {};
    const ids = Array.isArray(participants) ? participants : [participants];
    const participantWids = [];
    const failed = [];
    for (const id of ids) {
      const wid = createWid(id);
      const exists = await mod('WAWebQueryExistsJob').queryWidExists(wid);
      if (exists && exists.wid) participantWids.push({ phoneNumber: wid });
      else failed.push(id);
    }
    let created;
    try {
      created = await mod('WAWebGroupCreateJob').createGroup({
        addressingModeOverride: 'lid',
        // The options exactly as whatsapp-web.js passes them (booleans; restrict inverted).
        memberAddMode: (options && options.memberAddMode) ?? false,
        membershipApprovalMode: (options && options.membershipApprovalMode) ?? false,
        announce: (options && options.announce) ?? false,
        restrict: options && options.isRestrict !== undefined ? !options.isRestrict : false,
        ephemeralDuration: messageTimer,
        parentGroupId: parentGroupId ? createWid(parentGroupId) : undefined,
        title,
      }, participantWids);
    } catch (_err) {
      return 'CreateGroupError: An unknown error occupied while creating a group';
    }
    const result = {};
    for (const participant of created.participants) {
      let wid = participant.wid;
      if (wid.server === 'lid') wid = mod('WAWebApiContact').getPhoneNumber(wid) || wid;
      const statusCode = participant.error || 200;
      result[wid._serialized] = {
        statusCode,
        message: ADD_PARTICIPANT_RESULTS[statusCode] || ADD_PARTICIPANT_RESULTS.default,
        isGroupCreator: participant.type === 'superadmin',
        isInviteV4Sent: false,
      };
    }
    for (const id of failed) {
      result[id] = { statusCode: 404, message: ADD_PARTICIPANT_RESULTS[404], isGroupCreator: false, isInviteV4Sent: false };
    }
    return { title, gid: created.wid, participants: result };
  });

  // ---- labels (WhatsApp Business) -----------------------------------------------------------

  wagw.register('client.getLabels', () => Collections().Label.getModelsArray().map((label) => wagw.models.label(label)));

  wagw.register('client.getLabelById', ({ labelId }) => labelJson(labelId));

  wagw.register('client.getChatLabels', async ({ chatId }) => {
    const chat = await requireChat(chatId);
    return (chat.labels || []).map(labelJson);
  });

  wagw.register('client.getChatsByLabelId', async ({ labelId }) => {
    const label = Collections().Label.get(String(labelId));
    if (!label) throw wagw.fail(500, 'Label not found');
    const chatIds = label.labelItemCollection.getModelsArray()
      .filter((item) => item.parentType === 'Chat')
      .map((item) => item.parentId);
    return Promise.all(chatIds.map(async (id) => {
      const chat = await wagw.models.findChat(id);
      return chat ? chatJson(chat) : null;
    }));
  });

  // The chats end up with exactly these labels: the given ones are added, all others removed.
  wagw.register('client.addOrRemoveLabels', async ({ labelIds, chatIds }) => {
    if (!isBusinessAccount()) throw wagw.fail(500, '[LT01] Only Whatsapp business');
    const C = Collections();
    const labels = C.Label.getModelsArray().filter((label) => labelIds.some((id) => String(id) === String(label.id)));
    const chats = C.Chat.filter((chat) => chatIds.includes(chat.id._serialized));
    const actions = labels.map((label) => ({ id: label.id, type: 'add' }));
    for (const chat of chats) {
      for (const id of chat.labels || []) {
        if (!actions.some((action) => String(action.id) === String(id))) actions.push({ id, type: 'remove' });
      }
    }
    await C.Label.addOrRemoveLabels(actions, chats);
  });

  // ---- the account --------------------------------------------------------------------------

  wagw.register('client.setDisplayName', async ({ displayName }) => {
    if (!mod('WAWebConnModel').Conn.canSetMyPushname()) return false;
    await mod('WAWebSetPushnameConnAction').setPushname(displayName);
    return true;
  });

  wagw.register('client.setStatus', async ({ status }) => {
    await mod('WAWebContactStatusBridge').setMyStatus(status);
  });

  wagw.register('client.sendPresenceAvailable', async () => {
    await mod('WAWebPresenceChatAction').sendPresenceAvailable();
  });

  wagw.register('client.sendPresenceUnavailable', async () => {
    await mod('WAWebPresenceChatAction').sendPresenceUnavailable();
  });

  const myWid = () => {
    const me = mod('WAWebUserPrefsMeUser');
    return me.getMaybeMePnUser() || me.getMaybeMeLidUser();
  };

  async function profilePicThumb(wid) {
    const thumbs = Collections().ProfilePicThumb;
    return thumbs.get(wid) || (await thumbs.find(wid));
  }

  // whatsapp-web.js WWebJS.setPicture on the account's own wid.
  wagw.register('client.setProfilePicture', async ({ pictureMimetype, pictureData }) => {
    const media = { mimetype: pictureMimetype, data: pictureData };
    const thumbnail = await wagw.media.squareJpeg(media, 96);
    const picture = await wagw.media.squareJpeg(media, 640);
    const wid = myWid();
    try {
      const thumb = await profilePicThumb(wid);
      if (!thumb || !thumb.canSet()) return false;
      const answer = await mod('WAWebContactProfilePicThumbBridge').sendSetPicture(wid, thumbnail, picture);
      return answer ? answer.status === 200 : false;
    } catch (err) {
      if (err && err.name === 'ServerStatusCodeError') return false;
      throw err;
    }
  });

  // whatsapp-web.js WWebJS.deletePicture; undefined when there is no picture to delete. Unlike
  // the library, a thumb not loaded yet is fetched instead of crashing on it.
  wagw.register('client.deleteProfilePicture', async () => {
    const wid = myWid();
    try {
      const thumb = await profilePicThumb(wid);
      if (!thumb || !thumb.canDelete()) return undefined;
      const answer = await mod('WAWebContactProfilePicThumbBridge').requestDeletePicture(wid);
      return answer ? answer.status === 200 : false;
    } catch (err) {
      if (err && err.name === 'ServerStatusCodeError') return false;
      throw err;
    }
  });

  // ---- settings -----------------------------------------------------------------------------

  for (const kind of ['Audio', 'Documents', 'Photos', 'Videos']) {
    wagw.register(`client.setAutoDownload${kind}`, async ({ flag }) => {
      const prefs = mod('WAWebUserPrefsGeneral');
      if (prefs[`getAutoDownload${kind}`]() !== flag) await prefs[`setAutoDownload${kind}`](flag);
    });
  }

  wagw.register('client.setBackgroundSync', async ({ flag = true }) => {
    const prefs = mod('WAWebUserPrefsNotifications');
    if (prefs.getGlobalOfflineNotifications() !== flag) await prefs.setGlobalOfflineNotifications(flag);
    return flag;
  });
})();
