// wa-gateway bridge, message module: sending (whatsapp-web.js Client.sendMessage and
// WWebJS.sendMessage; `wagw.buildMessage` gives the attributes, channel.js posts them too) and
// the operations on one message (whatsapp-web.js Message), found by chat and short id.
(() => {
  const wagw = window.__wagw;
  const mod = (name) => wagw.mod(name);
  const M = () => wagw.models;
  const Collections = () => mod('WAWebCollections');
  const createWid = (id) => mod('WAWebWidFactory').createWid(id);

  // ---- lookups -------------------------------------------------------------------------------

  async function requireChat(chatId) {
    const chat = await M().findChat(chatId);
    if (!chat) throw wagw.fail(404, 'Chat not Found');
    return chat;
  }

  /**
   * wwebjs-api's _getMessageById through its patched fetchMessages: the loaded messages of the
   * chat whose `id.id` is the short id, loading earlier pages until found or history ends.
   */
  async function findByShortId({ chatId, messageId }) {
    const chat = await requireChat(chatId);
    const match = () => chat.msgs.getModelsArray().find((m) => m.id.id === messageId && !m.isNotification);
    let msg = match();
    while (!msg) {
      const loaded = await mod('WAWebChatLoadMessages').loadEarlierMsgs(chat);
      if (!loaded || !loaded.length) break;
      msg = match();
    }
    if (!msg) throw wagw.fail(500, 'Message not found');
    return msg;
  }

  /** whatsapp-web.js getContactById: Contact.find, then the Contact JSON. */
  async function contactById(id) {
    const contact = await Collections().Contact.find(createWid(id));
    return M().contact(contact);
  }

  // ---- sending ---------------------------------------------------------------------------------

  /**
   * wwebjs-api's `new Location(latitude, longitude, description)`: the library reads the third
   * argument as options {name, address, url}, so a plain string description is dropped, as in
   * wwebjs-api's answers.
   */
  function locationOf({ latitude, longitude, description }) {
    const { name, address, url } = description && typeof description === 'object' ? description : {};
    const text = name && address ? `${name}\n${address}` : name || address || '';
    return { latitude, longitude, description: text, url };
  }


  /** whatsapp-web.js Poll. */
  function pollOf({ pollName, pollOptions, options = {} }) {
    return {
      pollName: String(pollName).trim(),
      pollOptions: pollOptions.map((option, index) => ({ name: String(option).trim(), localId: index })),
      options: { allowMultipleAnswers: options.allowMultipleAnswers === true, messageSecret: options.messageSecret },
    };
  }

  /**
   * WWebJS.sendMessage up to the send: the attributes of a new message of `chat` (a chat, a
   * group or a channel) from whatsapp-web.js's internal options, media uploaded. Also gives
   * the media options (empty without media), which a channel post sends along.
   */
  async function messageAttributes(chat, content, options) {
    const { findLink } = mod('WALinkify');
    const isChannel = mod('WAWebChatGetters').getIsNewsletter(chat);
    let mediaOptions = {};
    if (options.media) {
      // Client.sendMessage turns sticker media into webp (Util.formatToWebpSticker) first.
      const media = options.sendMediaAsSticker ? await wagw.media.toStickerData(options.media) : options.media;
      mediaOptions = options.sendMediaAsSticker && !isChannel
        ? await wagw.media.processStickerData(media)
        : await wagw.media.processMediaData(media, {
          forceSticker: options.sendMediaAsSticker,
          forceGif: options.sendVideoAsGif,
          forceVoice: options.sendAudioAsVoice,
          forceDocument: options.sendMediaAsDocument,
          forceMediaHd: options.sendMediaAsHd,
          sendToChannel: isChannel,
        });
      mediaOptions.caption = options.caption;
      content = options.sendMediaAsSticker ? undefined : mediaOptions.preview;
      mediaOptions.isViewOnce = options.isViewOnce;
      delete options.media;
      delete options.sendMediaAsSticker;
    }

    let quotedMsgOptions = {};
    if (options.quotedMessageId) {
      const quoted = await M().findMessage(options.quotedMessageId);
      if (quoted) {
        const canReply = mod('WAWebMsgReply') ? mod('WAWebMsgReply').canReplyMsg(quoted.unsafe ? quoted.unsafe() : quoted) : quoted.canReply();
        if (canReply) quotedMsgOptions = quoted.msgContextInfo(chat);
      } else if (!options.ignoreQuoteErrors) {
        throw new Error('Could not get the quoted message.');
      }
      delete options.ignoreQuoteErrors;
      delete options.quotedMessageId;
    }

    if (options.mentionedJidList) {
      options.mentionedJidList = options.mentionedJidList.map((id) => createWid(id)).filter(Boolean);
    }
    if (options.groupMentions) {
      options.groupMentions = options.groupMentions.map((e) => ({ groupSubject: e.subject, groupJid: createWid(e.id) }));
    }

    let locationOptions = {};
    if (options.location) {
      let { latitude, longitude, description, url } = options.location;
      url = findLink(url) ? findLink(url).href : undefined;
      if (url && !description) description = url;
      locationOptions = { type: 'location', loc: description, lat: latitude, lng: longitude, clientUrl: url };
      delete options.location;
    }

    let pollOptions = {};
    if (options.poll) {
      const { pollName, pollOptions: choices, options: settings } = options.poll;
      const secret = settings.messageSecret;
      pollOptions = {
        kind: 'pollCreation',
        type: 'poll_creation',
        pollName,
        pollOptions: choices,
        pollSelectableOptionsCount: settings.allowMultipleAnswers ? 0 : 1,
        messageSecret: Array.isArray(secret) && secret.length === 32
          ? new Uint8Array(secret)
          : crypto.getRandomValues(new Uint8Array(32)),
      };
      delete options.poll;
    }

    let vcardOptions = {};
    if (options.contactCard) {
      const contact = await Collections().Contact.find(options.contactCard);
      vcardOptions = {
        body: mod('WAWebFrontendVcardUtils').vcardFromContactModel(contact).vcard,
        type: 'vcard',
        vcardFormattedName: contact.formattedName,
      };
      delete options.contactCard;
    } else if (options.parseVCards && typeof content === 'string' && content.startsWith('BEGIN:VCARD')) {
      delete options.parseVCards;
      delete options.linkPreview;
      try {
        const parsed = mod('WAWebVcardParsingUtils').parseVcard(content);
        if (parsed) {
          vcardOptions = {
            type: 'vcard',
            vcardFormattedName: mod('WAWebVcardGetNameFromParsed').vcardGetNameFromParsed(parsed),
          };
        }
      } catch (_err) {
        // not a vcard
      }
    }

    if (options.linkPreview) {
      delete options.linkPreview;
      const link = findLink(content);
      if (link) {
        const preview = await mod('WAWebLinkPreviewChatAction').getLinkPreview(link);
        if (preview && preview.data) {
          options = Object.assign({}, options, preview.data, { preview: true, subtype: 'url' });
        }
      }
    }

    const me = mod('WAWebUserPrefsMeUser');
    const MsgKey = mod('WAWebMsgKey');
    let from = chat.id.isLid() ? me.getMaybeMeLidUser() : me.getMaybeMePnUser();
    let participant;
    if (chat.id.isGroup()) {
      from = chat.groupMetadata && chat.groupMetadata.isLidAddressingMode ? me.getMaybeMeLidUser() : me.getMaybeMePnUser();
      participant = mod('WAWebWidFactory').asUserWidOrThrow(from);
    }
    const id = new MsgKey({ from, to: chat.id, id: await MsgKey.newId(), participant, selfDir: 'out' });
    const extraOptions = options.extraOptions || {};
    delete options.extraOptions;
    const message = Object.assign(
      {},
      options,
      {
        id,
        ack: 0,
        body: content,
        from,
        to: chat.id,
        local: true,
        self: 'out',
        t: Math.floor(Date.now() / 1000),
        isNewMsg: true,
        type: 'chat',
      },
      mod('WAWebGetEphemeralFieldsMsgActionsUtils').getEphemeralFields(chat),
      mediaOptions,
      mediaOptions.toJSON ? mediaOptions.toJSON() : {},
      quotedMsgOptions,
      locationOptions,
      pollOptions,
      vcardOptions,
      extraOptions,
    );
    delete message.canonicalUrl;
    return { attrs: message, mediaOptions };
  }

  /**
   * whatsapp-web.js Client.sendMessage's mapping of the content to its internal options:
   * `contentType` is one of string, MessageMedia, Location, Contact, Poll (MessageMediaFromURL
   * arrives already downloaded, as MessageMedia). Gives the body and the internal options.
   */
  function internalOptionsOf(contentType, content, options) {
    let mentions = options.mentions;
    if (mentions && !Array.isArray(mentions)) mentions = [mentions];
    let groupMentions = options.groupMentions;
    if (groupMentions && !Array.isArray(groupMentions)) groupMentions = [groupMentions];
    const internal = {
      linkPreview: options.linkPreview === false ? undefined : true,
      sendAudioAsVoice: options.sendAudioAsVoice,
      sendVideoAsGif: options.sendVideoAsGif,
      sendMediaAsSticker: options.sendMediaAsSticker,
      sendMediaAsDocument: options.sendMediaAsDocument,
      sendMediaAsHd: options.sendMediaAsHd,
      caption: options.caption,
      isCaptionByUser: Boolean(options.caption),
      quotedMessageId: options.quotedMessageId,
      parseVCards: options.parseVCards !== false,
      mentionedJidList: mentions || [],
      groupMentions,
      ignoreQuoteErrors: options.ignoreQuoteErrors !== false,
      waitUntilMsgSent: options.waitUntilMsgSent || false,
      extraOptions: options.extra,
    };
    // whatsapp-web.js hands these options to the page through puppeteer, which drops undefined
    // values; a key left undefined would override the model's default (groupMentions: []).
    for (const key of Object.keys(internal)) if (internal[key] === undefined) delete internal[key];
    let body = content;
    if (contentType === 'MessageMedia') {
      internal.media = content;
      internal.isViewOnce = options.isViewOnce;
      body = '';
    } else if (options.media) {
      internal.media = options.media;
      internal.caption = content;
      internal.isViewOnce = options.isViewOnce;
      body = '';
    } else if (contentType === 'Location') {
      internal.location = locationOf(content);
      body = '';
    } else if (contentType === 'Poll') {
      internal.poll = pollOf(content);
      body = '';
    } else if (contentType === 'Contact') {
      internal.contactCard = createWid(content.contactId);
      body = '';
    }
    return { body, internal };
  }

  /**
   * The attributes of a message Client.sendMessage would send to `chat` (a chat, a group or a
   * channel): {attrs, mediaOptions}. The message and channel modules send them.
   */
  async function buildMessage(chat, { contentType, content, options = {} }) {
    const { body, internal } = internalOptionsOf(contentType, content, options);
    return messageAttributes(chat, body, internal);
  }

  wagw.buildMessage = buildMessage;

  /** whatsapp-web.js Client.sendMessage to a chat or group (WWebJS.sendMessage, normal chat). */
  async function sendMessage({ chatId, contentType, content, options = {} }) {
    if (/@\w*newsletter\b/.test(chatId) || /@\w*broadcast\b/.test(chatId)) {
      throw wagw.fail(400, 'channels and status are not sent to through this endpoint');
    }
    const chat = await requireChat(chatId);
    if (options.sendSeen !== false) await sendSeen(chat);
    const { attrs } = await buildMessage(chat, { contentType, content, options });
    const [msgPromise, sendResultPromise] = mod('WAWebSendMsgChatAction').addAndSendMsgToChat(chat, attrs);
    await msgPromise;
    if (options.waitUntilMsgSent) await sendResultPromise;
    const msg = Collections().Msg.get(attrs.id._serialized);
    return msg ? M().message(msg) : null;
  }

  /** WWebJS.sendSeen. */
  async function sendSeen(chat) {
    const { Stream } = mod('WAWebStreamModel');
    Stream.markAvailable();
    await mod('WAWebUpdateUnreadChatAction').sendSeen({ chat, threadId: undefined });
    Stream.markUnavailable();
  }

  wagw.register('message.send', sendMessage);

  // ---- media download --------------------------------------------------------------------------

  function arrayBufferToBase64(buffer) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result).split(',')[1] || '');
      reader.onerror = reject;
      reader.readAsDataURL(new Blob([buffer], { type: 'application/octet-stream' }));
    });
  }

  /** whatsapp-web.js Message.downloadMedia: MessageMedia JSON, or null when not available. */
  async function downloadMedia(msg) {
    if (!msg || !msg.mediaData || msg.mediaData.mediaStage === 'REUPLOADING') return null;
    if (msg.mediaData.mediaStage !== 'RESOLVED') {
      await msg.downloadMedia({ downloadEvenIfExpensive: true, rmrReason: 1 });
    }
    const stage = msg.mediaData.mediaStage;
    if (stage.includes('ERROR') || stage === 'FETCHING') return null;
    const qpl = {
      addAnnotations() {
        return this;
      },
      addPoint() {
        return this;
      },
    };
    try {
      const decrypted = await mod('WAWebDownloadManager').downloadManager.downloadAndMaybeDecrypt({
        directPath: msg.directPath,
        encFilehash: msg.encFilehash,
        filehash: msg.filehash,
        mediaKey: msg.mediaKey,
        mediaKeyTimestamp: msg.mediaKeyTimestamp,
        type: msg.type,
        signal: new AbortController().signal,
        downloadQpl: qpl,
      });
      return { mimetype: msg.mimetype, data: await arrayBufferToBase64(decrypted), filename: msg.filename, filesize: msg.size };
    } catch (err) {
      if (err && err.status === 404) return null;
      throw err;
    }
  }

  const hasMedia = (msg) => Boolean(msg.directPath);

  wagw.register('message.downloadMediaBySerializedId', async ({ id }) => {
    const msg = await M().findMessage(id);
    return msg && hasMedia(msg) ? downloadMedia(msg) : null;
  });

  wagw.register('message.downloadMedia', async (args) => {
    const msg = await findByShortId(args);
    if (!hasMedia(msg)) throw wagw.fail(500, 'Message media not found');
    return downloadMedia(msg);
  });

  // ---- operations on one message -----------------------------------------------------------------

  wagw.register('message.get', async (args) => M().message(await findByShortId(args)));

  // Message.delete: revoke for everyone when allowed, else delete for me.
  wagw.register('message.delete', async (args) => {
    const msg = await findByShortId(args);
    const clearMedia = args.clearMedia !== false;
    const chat = Collections().Chat.get(msg.id.remote) || (await Collections().Chat.find(msg.id.remote));
    const capability = mod('WAWebMsgActionCapability');
    const canRevoke = capability.canSenderRevokeMsg(msg) || capability.canAdminRevokeMsg(msg);
    const { Cmd } = mod('WAWebCmd');
    if (args.everyone && canRevoke) {
      await Cmd.sendRevokeMsgs(chat, { list: [msg], type: 'message' }, { clearMedia });
    } else {
      await Cmd.sendDeleteMsgs(chat, { list: [msg], type: 'message' }, clearMedia);
    }
    return null;
  });

  // Message.forward (WWebJS.forwardMessage).
  wagw.register('message.forward', async (args) => {
    const msg = await findByShortId(args);
    const chat = await requireChat(args.destinationChatId);
    await mod('WAWebChatForwardMessage').forwardMessages({
      chat,
      msgs: [msg],
      multicast: true,
      includeCaption: true,
      appendedText: undefined,
    });
    return null;
  });

  // Message.getInfo: delivery/read receipts of a message I sent, else null.
  wagw.register('message.getInfo', async (args) => {
    const msg = await findByShortId(args);
    if (!msg.id.fromMe) return null;
    // Receipts of a message younger than ~1.2 s are not in yet (whatsapp-web.js waits too).
    const age = Date.now() - msg.t * 1000;
    if (age < 1250) await wagw.sleep(1250 - Math.max(age, 0));
    return (await mod('WAWebApiMessageInfoStore').queryMsgInfo(msg.id)) || null;
  });

  wagw.register('message.getMentions', async (args) => {
    const msg = await findByShortId(args);
    return Promise.all((msg.mentionedJidList || []).map((wid) => contactById(M().serialized(wid))));
  });

  wagw.register('message.getGroupMentions', async (args) => {
    const msg = await findByShortId(args);
    return Promise.all((msg.groupMentions || []).map(async (mention) => {
      const chat = await M().findChat(M().serialized(mention.groupJid));
      if (!chat) throw wagw.fail(500, 'Chat not found');
      return M().chat(chat);
    }));
  });

  wagw.register('message.getOrder', async (args) => {
    const msg = await findByShortId(args);
    if (msg.type !== 'order') return null;
    const chatId = msg.id.fromMe ? M().serialized(msg.to) : M().serialized(msg.from);
    const order = await mod('WAWebBizOrderBridge').queryOrder(createWid(chatId), msg.orderId, 80, 80, msg.token);
    return order ? M().order(order) : null;
  });

  wagw.register('message.getPayment', async (args) => {
    const msg = await findByShortId(args);
    return msg.type === 'payment' ? M().payment(msg.serialize()) : null;
  });

  wagw.register('message.getQuotedMessage', async (args) => {
    const msg = await findByShortId(args);
    if (!msg.quotedMsg) return null;
    return M().message(mod('WAWebQuotedMsgModelUtils').getQuotedMsgObj(msg));
  });

  wagw.register('message.react', async (args) => {
    const msg = await findByShortId(args);
    await mod('WAWebSendReactionMsgAction').sendReactionToMsg(msg, args.reaction);
    return null;
  });

  // Message.reply: a send quoting the message, in chatId.
  wagw.register('message.reply', async (args) => {
    const msg = await findByShortId(args);
    const options = Object.assign({}, args.options, { quotedMessageId: msg.id._serialized });
    return sendMessage({ chatId: args.chatId, contentType: args.contentType, content: args.content, options });
  });

  async function setStar(args, starred) {
    const msg = await findByShortId(args);
    if (mod('WAWebMsgActionCapability').canStarMsg(msg)) {
      const chat = await Collections().Chat.find(msg.id.remote);
      const { Cmd } = mod('WAWebCmd');
      await (starred ? Cmd.sendStarMsgs(chat, [msg], false) : Cmd.sendUnstarMsgs(chat, [msg], false));
    }
    return null;
  }

  wagw.register('message.star', (args) => setStar(args, true));
  wagw.register('message.unstar', (args) => setStar(args, false));

  // Message.getReactions: [{id, aggregateEmoji, hasReactionByMe, senders: [Reaction]}], or null.
  wagw.register('message.getReactions', async (args) => {
    const msg = await findByShortId(args);
    if (!msg.hasReaction) return null;
    const found = await Collections().Reactions.find(msg.id._serialized);
    if (!found || !found.reactions.length) return null;
    return found.reactions.serialize().map((aggregate) => Object.assign({}, aggregate, {
      senders: aggregate.senders.map((sender) =>
        M().reaction(Object.assign({}, sender, { timestamp: Math.round(sender.timestamp / 1000) }))),
    }));
  });

  // Message.edit: only my own messages, when WhatsApp allows editing them; else null.
  wagw.register('message.edit', async (args) => {
    const msg = await findByShortId(args);
    if (!msg.id.fromMe) return null;
    const capability = mod('WAWebMsgActionCapability');
    if (!(capability.canEditText(msg) || capability.canEditCaption(msg))) return null;
    const options = args.options || {};
    let mentions = options.mentions;
    if (mentions && !Array.isArray(mentions)) mentions = [mentions];
    let groupMentions = options.groupMentions;
    if (groupMentions && !Array.isArray(groupMentions)) groupMentions = [groupMentions];
    let internal = {
      mentionedJidList: (mentions || []).map((id) => createWid(id)).filter(Boolean),
    };
    if (groupMentions) {
      internal.groupMentions = groupMentions.map((e) => ({ groupSubject: e.subject, groupJid: createWid(e.id) }));
    }
    if (options.linkPreview !== false) {
      const link = mod('WALinkify').findLink(args.content);
      if (link) {
        const preview = await mod('WAWebLinkPreviewChatAction').getLinkPreview(link);
        internal = Object.assign({}, internal, preview, { preview: true, subtype: 'url' });
      }
    }
    Object.assign(internal, options.extra || {});
    await mod('WAWebSendMessageEditAction').sendMessageEdit(msg, args.content, internal);
    // whatsapp-web.js builds this Message from serialize(), not getMessageModel.
    return M().messageFromRaw(Collections().Msg.get(msg.id._serialized).serialize());
  });

  wagw.register('message.getContact', async (args) => {
    const msg = await findByShortId(args);
    return contactById(M().serialized(msg.author || msg.from));
  });

  // Client.getPollVotes: the rows of the poll's vote table, as PollVote.
  wagw.register('message.getPollVotes', async (args) => {
    const msg = await findByShortId(args);
    if (msg.type !== 'poll_creation') throw wagw.fail(500, 'Invalid usage! Can only be used with a pollCreation message');
    const key = mod('WAWebMsgKey').fromString(msg.id._serialized);
    const rows = await mod('WAWebPollsVotesSchema').getTable().equals(['parentMsgKey'], key.toString());
    // The library builds each vote's parentMessage as a Message of the poll's Message object.
    const poll = M().message(msg);
    const parent = M().messageFromRaw(poll);
    return rows.map((row) => M().pollVote(
      Object.assign({}, row, { selectedOptionLocalIds: Array.from(new Uint8Array(row.selectedOptionLocalIds)) }),
      poll,
      parent,
    ));
  });

  // Message.getChat and Message.reload, for runMethod.
  wagw.register('message.getChat', async (args) => {
    const msg = await findByShortId(args);
    const chatId = msg.id.fromMe ? M().serialized(msg.to) : M().serialized(msg.from);
    return M().chat(await requireChat(chatId));
  });
})();
