// wa-gateway bridge, models: the one place where WhatsApp Web models become the JSON that
// whatsapp-web.js 1.34.7 gives (Message, Chat, GroupChat, Channel, Contact, Label, Reaction,
// GroupNotification, Call, PollVote, MessageMedia), and lookups shared by every module.
//
// Wids stay Wid objects here: through an event (JSON.stringify) they become strings via their
// toJSON, through a call (CDP returnByValue) they stay {server, user, _serialized}, which is
// exactly the split whatsapp-web.js users see.
(() => {
  const wagw = window.__wagw;
  const mod = (name) => wagw.mod(name);
  const Collections = () => mod('WAWebCollections');
  const serialized = (v) => (v && typeof v === 'object' ? v._serialized : v);
  const truthy = (v) => (v ? v : undefined);

  /** whatsapp-web.js getMessageModel: the raw serialized message. */
  function rawMessage(msg) {
    const data = msg.serialize();
    data.isEphemeral = msg.isEphemeral;
    data.isStatusV3 = msg.isStatusV3;
    const text = msg.mediaObject ? msg.caption : msg.body;
    data.links = (mod('WALinkify').findLinks(text) || []).map((link) => ({
      link: link.href,
      isSuspicious: Boolean(link.suspiciousCharacters && link.suspiciousCharacters.size),
    }));
    if (data.buttons && typeof data.buttons.serialize === 'function') data.buttons = data.buttons.serialize();
    for (const key of ['dynamicReplyButtons', 'replyButtons']) {
      if (data[key]) data[key] = JSON.parse(JSON.stringify(data[key]));
    }
    if (data.id && typeof data.id.remote === 'object') {
      data.id = Object.assign({}, data.id, { remote: data.id.remote._serialized });
    }
    delete data.pendingAckUpdate;
    return data;
  }

  function deviceType(id) {
    if (typeof id !== 'string') return 'web';
    if (id.length > 25) return 'android';
    return id.startsWith('3A') ? 'ios' : 'web';
  }

  /** whatsapp-web.js Message: from the raw serialized message. */
  function messageFromRaw(data) {
    const hasMedia = Boolean(data.directPath);
    const out = {
      _data: data,
      mediaKey: data.mediaKey,
      id: data.id,
      ack: data.ack,
      hasMedia,
      body: hasMedia ? data.caption || '' : data.body || data.pollName || data.eventName || '',
      type: data.type,
      timestamp: data.t,
      from: serialized(data.from),
      to: serialized(data.to),
      author: serialized(data.author),
      deviceType: deviceType(data.id && data.id.id),
      isForwarded: data.isForwarded,
      forwardingScore: data.forwardingScore || 0,
      isStatus: Boolean(data.isStatusV3 || (data.id && data.id.remote === 'status@broadcast')),
      isStarred: data.star,
      broadcast: data.broadcast,
      fromMe: Boolean(data.id && data.id.fromMe),
      hasQuotedMsg: Boolean(data.quotedMsg),
      hasReaction: Boolean(data.hasReaction),
      duration: truthy(data.duration),
      location: undefined,
      vCards: [],
      inviteV4: undefined,
      mentionedIds: data.mentionedJidList || [],
      groupMentions: data.groupMentions || [],
      orderId: data.orderId,
      token: data.token,
      isGif: Boolean(data.isGif),
      isEphemeral: data.isEphemeral,
      title: truthy(data.title),
      description: truthy(data.description),
      businessOwnerJid: truthy(data.businessOwnerJid),
      productId: truthy(data.productId),
      latestEditSenderTimestampMs: truthy(data.latestEditSenderTimestampMs),
      latestEditMsgKey: truthy(data.latestEditMsgKey),
      protocolMessageKey: truthy(data.protocolMessageKey),
      links: data.links,
      dynamicReplyButtons: truthy(data.dynamicReplyButtons),
      selectedButtonId: truthy(data.selectedButtonId),
      selectedRowId: truthy(data.listResponse && data.listResponse.singleSelectReply && data.listResponse.singleSelectReply.selectedRowId),
    };
    if (data.type === 'location') {
      const [name, address] = (data.loc || '').split('\n');
      out.location = {
        latitude: data.lat,
        longitude: data.lng,
        name: truthy(name),
        address: truthy(address),
        url: truthy(data.clientUrl),
        description: data.loc,
      };
    }
    if (data.type === 'multi_vcard') out.vCards = (data.vcardList || []).map((c) => c.vcard);
    else if (data.type === 'vcard') out.vCards = [data.body];
    if (data.type === 'groups_v4_invite') {
      out.inviteV4 = {
        inviteCode: data.inviteCode,
        inviteCodeExp: data.inviteCodeExp,
        groupId: data.inviteGrp,
        groupName: data.inviteGrpName,
        fromId: serialized(data.from),
        toId: serialized(data.to),
      };
    }
    if (data.type === 'poll_creation') {
      out.pollName = data.pollName;
      out.pollOptions = (data.pollOptions || []).map((o) => ({ name: o.name, localId: o.localId }));
      out.allowMultipleAnswers = !data.pollSelectableOptionsCount;
      out.pollInvalidated = data.pollInvalidated;
      out.isSentCagPollCreation = data.isSentCagPollCreation;
      out.messageSecret = data.messageSecret ? Object.values(data.messageSecret) : undefined;
    }
    return out;
  }

  const message = (msg) => messageFromRaw(rawMessage(msg));

  /** whatsapp-web.js getChatModel: the raw serialized chat. */
  async function rawChat(chat, { isChannel = false } = {}) {
    const data = chat.serialize();
    data.isGroup = false;
    data.isMuted = !chat.mute || chat.mute.expiration !== 0;
    if (isChannel) {
      data.isChannel = mod('WAWebChatGetters').getIsNewsletter(chat);
    } else {
      data.formattedTitle = chat.formattedTitle;
    }
    if (chat.groupMetadata) {
      data.isGroup = true;
      const wid = mod('WAWebWidFactory').createWid(chat.id._serialized);
      const groups = Collections().GroupMetadata || Collections().WAWebGroupMetadataCollection;
      await groups.update(wid);
      data.groupMetadata = chat.groupMetadata.serialize();
      const lid = mod('WAWebLidMigrationUtils');
      data.groupMetadata.participants = (data.groupMetadata.participants || []).map((p) => {
        const pn = lid && p.id ? lid.toPn(p.id) : null;
        return Object.assign({}, p, { id: pn || p.id });
      });
      data.isReadOnly = chat.groupMetadata.announce;
    }
    if (chat.newsletterMetadata) {
      const metadata = Collections().NewsletterMetadataCollection || Collections().WAWebNewsletterMetadataCollection;
      if (metadata && metadata.update) await metadata.update(chat.id);
      data.channelMetadata = Object.assign(chat.newsletterMetadata.serialize(), {
        createdAtTs: chat.newsletterMetadata.creationTime,
      });
    }
    data.lastMessage = null;
    if (data.msgs && data.msgs.length && chat.lastReceivedKey) {
      const key = chat.lastReceivedKey._serialized;
      const last = Collections().Msg.get(key) || (await Collections().Msg.getMessagesById([key])).messages[0];
      if (last) data.lastMessage = rawMessage(last);
    }
    delete data.msgs;
    delete data.msgUnsyncedButtonReplyMsgs;
    delete data.unsyncedButtonReplies;
    return data;
  }

  /** whatsapp-web.js Chat / GroupChat / Channel from the raw chat. */
  function chatFromRaw(data) {
    const lastMessage = data.lastMessage ? messageFromRaw(data.lastMessage) : undefined;
    if (data.isChannel) {
      return {
        channelMetadata: data.channelMetadata,
        id: data.id,
        name: data.name || data.formattedTitle || (data.channelMetadata && data.channelMetadata.name),
        description: (data.channelMetadata && data.channelMetadata.description) ?? data.description ?? '',
        isChannel: true,
        isGroup: false,
        isReadOnly: data.isReadOnly,
        unreadCount: data.unreadCount,
        timestamp: data.t,
        isMuted: data.isMuted,
        muteExpiration: data.muteExpiration,
        lastMessage,
      };
    }
    const chat = {
      id: data.id,
      name: data.formattedTitle,
      isGroup: data.isGroup,
      isReadOnly: data.isReadOnly,
      unreadCount: data.unreadCount,
      timestamp: data.t,
      archived: data.archive,
      pinned: Boolean(data.pin),
      isLocked: data.isLocked,
      isMuted: data.isMuted,
      muteExpiration: data.muteExpiration,
      lastMessage,
    };
    return data.isGroup ? Object.assign({ groupMetadata: data.groupMetadata }, chat) : chat;
  }

  const chat = async (model, options) => chatFromRaw(await rawChat(model, options));

  /** whatsapp-web.js getContactModel: the raw contact (what getSubscribers answers as is). */
  function rawContact(model) {
    const getters = mod('WAWebContactGetters');
    const res = model.serialize();
    const wid = mod('WAWebWidFactory').createWidFromWidLike(model.id);
    if (wid.isLid() && model.phoneNumber) res.id = model.phoneNumber;
    res.isBusiness = model.isBusiness === undefined ? false : model.isBusiness;
    if (model.businessProfile) res.businessProfile = model.businessProfile.serialize();
    res.isBlocked = model.isContactBlocked;
    if (!res.isBlocked) {
      const alternate = mod('WAWebApiContact').getAlternateUserWid(wid);
      if (alternate) res.isBlocked = Boolean(Collections().Blocklist.get(alternate));
    }
    res.isMe = getters.getIsMe(model);
    res.isUser = getters.getIsUser(model);
    res.isGroup = getters.getIsGroup(model);
    res.isWAContact = getters.getIsWAContact(model);
    res.userid = getters.getUserid(model);
    res.verifiedName = getters.getVerifiedName(model);
    res.verifiedLevel = getters.getVerifiedLevel(model);
    res.statusMute = getters.getStatusMute(model);
    res.name = getters.getName(model);
    res.shortName = getters.getShortName(model);
    res.pushname = getters.getPushname(model);
    res.isMyContact = mod('WAWebFrontendContactGetters').getIsMyContact(model);
    res.isEnterprise = getters.getIsEnterprise(model);
    return res;
  }

  /** whatsapp-web.js getContactModel + Contact/BusinessContact. */
  function contact(model) {
    const getters = mod('WAWebContactGetters');
    const data = model.serialize();
    const widFactory = mod('WAWebWidFactory');
    if (model.phoneNumber && widFactory.createWidFromWidLike(model.id).isLid()) data.id = model.phoneNumber;
    // As the library: undefined (no key in the answer) when the model does not say and the
    // contact has no alternate id to look up in the blocklist.
    let isBlocked = model.isContactBlocked;
    if (!isBlocked) {
      const alternate = mod('WAWebApiContact').getAlternateUserWid(model.id);
      if (alternate) isBlocked = Boolean(Collections().Blocklist.get(alternate));
    }
    const out = {
      id: data.id,
      number: getters.getUserid(model),
      isBusiness: Boolean(model.isBusiness),
      isEnterprise: getters.getIsEnterprise(model),
      labels: data.labels,
      name: getters.getName(model),
      pushname: getters.getPushname(model),
      sectionHeader: data.sectionHeader,
      shortName: getters.getShortName(model),
      statusMute: getters.getStatusMute(model),
      type: data.type,
      verifiedLevel: getters.getVerifiedLevel(model),
      verifiedName: getters.getVerifiedName(model),
      isMe: getters.getIsMe(model),
      isUser: getters.getIsUser(model),
      isGroup: getters.getIsGroup(model),
      isWAContact: getters.getIsWAContact(model),
      isMyContact: mod('WAWebFrontendContactGetters').getIsMyContact(model),
      isBlocked,
    };
    if (out.isBusiness && model.businessProfile) {
      return Object.assign({ businessProfile: model.businessProfile.serialize() }, out);
    }
    return out;
  }

  /** whatsapp-web.js GroupNotification (from a gp2 message). */
  function groupNotification(msg) {
    const data = rawMessage(msg);
    return {
      id: data.id,
      body: data.body || '',
      type: data.subtype,
      timestamp: data.t,
      chatId: typeof data.id.remote === 'object' ? data.id.remote._serialized : data.id.remote,
      author: serialized(data.author),
      recipientIds: data.recipients || [],
    };
  }

  /** whatsapp-web.js Reaction, from a reaction table row. */
  function reaction(row) {
    return {
      id: row.msgKey,
      orphan: row.orphan,
      orphanReason: row.orphanReason,
      timestamp: row.timestamp,
      reaction: row.reactionText,
      read: row.read,
      msgId: row.parentMsgKey,
      senderId: row.senderUserJid,
      ack: row.ack,
    };
  }

  /** whatsapp-web.js Label. */
  function label(model) {
    const data = model.serialize();
    return { id: data.id, name: data.name, hexColor: data.hexColor || model.hexColor };
  }

  // --- lookups shared by the modules ---------------------------------------------------------

  /** A chat model by id (whatsapp-web.js getChat with getAsModel), or null. */
  async function findChat(chatId) {
    if (typeof chatId !== 'string' || !chatId) return null;
    const C = Collections();
    if (/@\w*newsletter\b/.test(chatId)) {
      const channels = C.WAWebNewsletterCollection;
      const found = channels && channels.get(chatId);
      if (found) return found;
      try {
        await mod('WAWebLoadNewsletterPreviewChatAction').loadNewsletterPreviewChat(chatId);
        return (await channels.find(chatId)) || null;
      } catch (_err) {
        return null;
      }
    }
    const wid = mod('WAWebWidFactory').createWid(chatId);
    const existing = C.Chat.get(wid);
    if (existing) return existing;
    try {
      const created = await mod('WAWebFindChatAction').findOrCreateLatestChat(wid);
      return (created && created.chat) || null;
    } catch (_err) {
      return null;
    }
  }

  /** A message model by serialized id, or null. */
  async function findMessage(serializedId) {
    const Msg = Collections().Msg;
    const found = Msg.get(serializedId);
    if (found) return found;
    const result = await Msg.getMessagesById([serializedId]);
    return (result && result.messages && result.messages[0]) || null;
  }

  wagw.models = {
    rawMessage,
    messageFromRaw,
    message,
    rawChat,
    chatFromRaw,
    chat,
    contact,
    rawContact,
    groupNotification,
    reaction,
    label,
    findChat,
    findMessage,
    serialized,
    /** whatsapp-web.js Order (Message.getOrder), with its Products. */
    order: (data) => ({
      products: data.products
        ? data.products.map((p) => ({
          id: p.id, price: p.price ? p.price : '', thumbnailUrl: p.thumbnailUrl, currency: p.currency,
          name: p.name, quantity: p.quantity, data: null,
        }))
        : undefined,
      subtotal: data.subtotal,
      total: data.total,
      currency: data.currency,
      createdAt: data.createdAt,
    }),
    /** whatsapp-web.js Payment (Message.getPayment), from the serialized message. */
    payment: (data) => ({
      id: data.id,
      paymentCurrency: data.paymentCurrency,
      paymentAmount1000: data.paymentAmount1000,
      paymentMessageReceiverJid: data.paymentMessageReceiverJid,
      paymentTransactionTimestamp: data.paymentTransactionTimestamp,
      paymentStatus: data.paymentStatus,
      paymentTxnStatus: data.paymentTxnStatus,
      paymentNote: data.paymentNoteMsg && data.paymentNoteMsg.body ? data.paymentNoteMsg.body : undefined,
    }),
    /**
     * whatsapp-web.js PollVote from a vote table row: option names from the poll, and the
     * parentMessage as the library builds it (the voter stays a Wid, as the evaluate path gives).
     */
    pollVote: (row, poll, parentMessage) => ({
      voter: row.sender,
      selectedOptions: (row.selectedOptionLocalIds || []).map((localId) => {
        const option = poll && (poll.pollOptions || []).find((o) => o.localId === localId);
        return { name: option ? option.name : undefined, localId };
      }),
      interractedAtTs: row.senderTimestampMs,
      parentMessage,
      parentMsgKey: row.parentMsgKey,
    }),
  };
})();
