// wa-gateway bridge, channel module: WhatsApp channels (newsletters), as whatsapp-web.js
// 1.34.7's Channel and its Client methods (getChannels, createChannel, subscribeToChannel,
// unsubscribeFromChannel, searchChannels, getChannelByInviteCode, the admin invites).
(() => {
  const wagw = window.__wagw;
  const mod = (name) => wagw.mod(name);
  const M = () => wagw.models;
  const Collections = () => mod('WAWebCollections');
  const createWid = (id) => mod('WAWebWidFactory').createWid(id);
  const isNewsletterId = (id) => /@\w*newsletter\b/.test(id);

  /** whatsapp-web.js getChat without the model; null when there is no such chat. */
  const findChat = (chatId) => M().findChat(chatId);

  /** wwebjs-api's channel lookup: 404 when missing, 400 when the chat is no channel. */
  async function requireChannel(chatId) {
    const chat = await findChat(chatId);
    if (!chat) throw wagw.fail(404, 'Channel not Found');
    if (!isNewsletterId(chatId) || !mod('WAWebChatGetters').getIsNewsletter(chat)) {
      throw wagw.fail(400, 'The chat is not a channel');
    }
    return chat;
  }

  const channelJson = (chat) => M().chat(chat, { isChannel: true });

  /** Runs a newsletter job; a server refusal (ServerStatusCodeError) is `false`. */
  async function refusedIsFalse(job) {
    try {
      await job();
      return true;
    } catch (err) {
      if (err && err.name === 'ServerStatusCodeError') return false;
      throw err;
    }
  }

  /** Channel._setChannelMetadata: editNewsletterMetadataAction, false when refused. */
  async function setMetadata(chatId, values, edits) {
    const chat = await requireChannel(chatId);
    if (edits.editPicture) values.picture = values.picture ? await wagw.media.squareJpeg(values.picture, 640, 1) : null;
    return refusedIsFalse(() => mod('WAWebEditNewsletterMetadataAction').editNewsletterMetadataAction(chat, edits, values));
  }

  // ---- the channel (/channel) ---------------------------------------------------------------

  wagw.register('channel.getClassInfo', async ({ chatId }) => channelJson(await requireChannel(chatId)));

  // Client.sendMessage to a newsletter (WWebJS.sendMessage, channel branch): text, or media
  // uploaded unencrypted and posted with its handle.
  wagw.register('channel.sendMessage', async ({ chatId, contentType, content, options = {} }) => {
    const chat = await requireChannel(chatId);
    // whatsapp-web.js refuses these for channels and returns nothing.
    const refused = ['sendMediaAsDocument', 'quotedMessageId', 'parseVCards', 'isViewOnce'];
    if (refused.some((key) => options[key])) return null;
    if (options.sendSeen !== false) await sendSeen(chat);

    const { attrs, mediaOptions } = await wagw.buildMessage(chat, { contentType, content, options });
    const msg = new (Collections().Msg.modelClass)(attrs);
    const isMedia = Object.keys(mediaOptions).length > 0;
    const records = mod('WAWebNewsletterUpdateMsgsRecordsJob');
    await records.addNewsletterMsgsRecords([mod('WAWebMsgDataFromModel').msgDataFromMsgModel(msg)]);
    chat.msgs.add(msg);
    chat.t = msg.t;
    const result = await mod('WAWebNewsletterSendMessageJob').sendNewsletterMessageJob(
      Object.assign(
        { msg, type: attrs.type === 'chat' ? 'text' : isMedia ? 'media' : 'pollCreation', newsletterJid: chat.id.toJid() },
        isMedia ? { mediaMetadata: msg.avParams(), mediaHandle: mediaOptions.mediaHandle } : {},
      ),
    );
    if (result.success) {
      msg.t = result.ack.t;
      msg.serverId = result.serverId;
    }
    msg.updateAck(1, true);
    await records.updateNewsletterMsgRecord(msg);
    return M().message(msg);
  });

  // Channel.fetchMessages: the loaded messages (no notifications), earlier ones up to `limit`.
  wagw.register('channel.fetchMessages', async ({ chatId, searchOptions }) => {
    const chat = await requireChannel(chatId);
    const fromMe = searchOptions ? searchOptions.fromMe : undefined;
    const keep = (m) => !m.isNotification && m.type !== 'newsletter_notification' && (fromMe === undefined || m.id.fromMe === fromMe);
    let msgs = chat.msgs.getModelsArray().filter(keep);
    const limit = searchOptions && searchOptions.limit;
    if (limit > 0) {
      while (msgs.length < limit && !chat.msgs.msgLoadState.noEarlierMsgs) {
        const loaded = await mod('WAWebChatLoadMessages').loadEarlierMsgs(chat);
        if (!loaded || !loaded.length) break;
        msgs = [...loaded.filter(keep), ...msgs];
      }
      if (msgs.length > limit) {
        msgs.sort((a, b) => (a.t > b.t ? 1 : -1));
        msgs = msgs.splice(msgs.length - limit);
      }
    }
    return msgs.map((m) => M().message(m));
  });

  /** WWebJS.sendSeen. */
  async function sendSeen(chat) {
    const { Stream } = mod('WAWebStreamModel');
    Stream.markAvailable();
    await mod('WAWebUpdateUnreadChatAction').sendSeen({ chat, threadId: undefined });
    Stream.markUnavailable();
    return true;
  }

  wagw.register('channel.sendSeen', async ({ chatId }) => sendSeen(await requireChannel(chatId)));

  // Channel._muteUnmuteChannel through the admin-activity user setting.
  async function setMuted(chatId, muted) {
    await requireChannel(chatId);
    const utils = mod('WAWebNewsletterModelUtils');
    return refusedIsFalse(() =>
      mod('WAWebNewsletterUpdateUserSettingJob').updateNewsletterUserSetting({
        newsletterJid: mod('WAJids').toNewsletterJid(chatId),
        type: utils.ADMIN_NOTIFICATIONS,
        muteExpirationValue: muted ? utils.MUTED_STATE : utils.UNMUTED_STATE,
      }),
    );
  }

  wagw.register('channel.mute', ({ chatId }) => setMuted(chatId, true));
  wagw.register('channel.unmute', ({ chatId }) => setMuted(chatId, false));

  wagw.register('channel.acceptChannelAdminInvite', async ({ chatId }) => {
    await requireChannel(chatId);
    return refusedIsFalse(() => mod('WAWebMexAcceptNewsletterAdminInviteJob').acceptNewsletterAdminInvite(chatId));
  });

  // Client.sendChannelAdminInvite: an invite message in the user's chat.
  wagw.register('channel.sendChannelAdminInvite', async ({ chatId, userId, options = {} }) => {
    await requireChannel(chatId);
    const channelWid = createWid(chatId);
    const userWid = createWid(userId);
    if (!userWid.isUser()) return false;
    const chat = await findChat(userId);
    if (!chat) return false;
    const result = await mod('WAWebNewsletterSendMsgAction').sendNewsletterAdminInviteMessage(chat, {
      newsletterWid: channelWid,
      invitee: userWid,
      inviteMessage: options.comment,
      base64Thumb: await wagw.media.profilePicThumbBase64(channelWid),
    });
    return result.messageSendResult === 'OK';
  });

  wagw.register('channel.revokeChannelAdminInvite', async ({ chatId, userId }) => {
    await requireChannel(chatId);
    return refusedIsFalse(() => mod('WAWebMexRevokeNewsletterAdminInviteJob').revokeNewsletterAdminInvite(chatId, createWid(userId)));
  });

  wagw.register('channel.demoteChannelAdmin', async ({ chatId, userId }) => {
    await requireChannel(chatId);
    return refusedIsFalse(() => mod('WAWebDemoteNewsletterAdminAction').demoteNewsletterAdmin(chatId, createWid(userId)));
  });

  // Client.transferChannelOwnership: any failure is `false`.
  wagw.register('channel.transferChannelOwnership', async ({ chatId, newOwnerId, options = {} }) => {
    const chat = await requireChannel(chatId);
    const contacts = Collections().Contact;
    const newOwner = contacts.get(newOwnerId) || (await contacts.find(createWid(newOwnerId)));
    if (!chat.newsletterMetadata) await Collections().NewsletterMetadataCollection.update(chat.id);
    try {
      await mod('WAWebChangeNewsletterOwnerAction').changeNewsletterOwnerAction(chat, newOwner);
      if (options.shouldDismissSelfAsAdmin) {
        const me = mod('WAWebContactCollection').getMeContact();
        if (me) await mod('WAWebNewsletterDemoteAdminJob').demoteNewsletterAdminAction(chat, me);
      }
    } catch (_err) {
      return false;
    }
    return true;
  });

  // Channel.getSubscribers: subscribers in the address book, with their role.
  wagw.register('channel.getSubscribers', async ({ chatId, limit }) => {
    await requireChannel(chatId);
    const max = limit || mod('WAWebNewsletterGatingUtils').getMaxSubscriberNumber();
    const response = await mod('WAWebMexFetchNewsletterSubscribersJob').mexFetchNewsletterSubscribers(chatId, max);
    const inContacts = mod('WAWebNewsletterSubscriberListAction').getSubscribersInContacts(response.subscribers);
    // The library answers raw contact models here, not Contact objects.
    return inContacts.map((entry) => Object.assign({}, entry, { contact: M().rawContact(entry.contact) }));
  });

  wagw.register('channel.setProfilePicture', ({ chatId, media }) =>
    setMetadata(chatId, { picture: media || null }, { editPicture: true }),
  );
  wagw.register('channel.setDescription', ({ chatId, newDescription }) =>
    setMetadata(chatId, { description: newDescription }, { editDescription: true }),
  );
  wagw.register('channel.setSubject', ({ chatId, newSubject }) =>
    setMetadata(chatId, { name: newSubject }, { editName: true }),
  );

  // Channel.setReactionSetting: 0 none, 1 basic, 2 all (WhatsApp's codes 3, 1, 0).
  wagw.register('channel.setReactionSetting', async ({ chatId, reactionCode }) => {
    await requireChannel(chatId);
    const codes = { 0: 3, 1: 1, 2: 0 };
    if (!(reactionCode in codes)) return false;
    return setMetadata(chatId, { reactionCodesSetting: codes[reactionCode] }, { editReactionCodesSetting: true });
  });

  wagw.register('channel.deleteChannel', async ({ chatId }) => {
    const chat = await requireChannel(chatId);
    return refusedIsFalse(() => mod('WAWebNewsletterDeleteAction').deleteNewsletterAction(chat));
  });

  // ---- the channel operations of the client (/client) ---------------------------------------

  wagw.register('channel.getChannels', () =>
    Promise.all(Collections().WAWebNewsletterCollection.getModelsArray().map(channelJson)),
  );

  // Client.getChannelByInviteCode: null when no channel has this code.
  wagw.register('channel.getChannelByInviteCode', async ({ inviteCode }) => {
    const role = mod('WAWebNewsletterModelUtils').getRoleByIdentifier(inviteCode);
    let response;
    try {
      response = await mod('WAWebNewsletterMetadataQueryJob').queryNewsletterMetadataByInviteCode(inviteCode, role);
    } catch (err) {
      if (err && err.name === 'ServerStatusCodeError') return null;
      throw err;
    }
    const chat = await findChat(response.idJid);
    return chat ? channelJson(chat) : null;
  });

  // Client.createChannel: the result object, or an error text (as whatsapp-web.js).
  wagw.register('channel.createChannel', async ({ title, options = {} }) => {
    const { description = null } = options;
    let { picture = null } = options;
    if (!mod('WAWebNewsletterGatingUtils').isNewsletterCreationEnabled()) {
      return 'CreateChannelError: A channel creation is not enabled';
    }
    if (picture) picture = await wagw.media.squareJpeg(picture, 640, 1);
    let response;
    try {
      response = await mod('WAWebNewsletterCreateQueryJob').createNewsletterQuery({ name: title, description, picture });
    } catch (err) {
      if (err && err.name === 'ServerStatusCodeError') return 'CreateChannelError: An error occupied while creating a channel';
      throw err;
    }
    return {
      title,
      nid: mod('WAWebJidToWid').newsletterJidToWid(response.idJid),
      inviteLink: `https://whatsapp.com/channel/${response.newsletterInviteLinkMetadataMixin.inviteCode}`,
      createdAtTs: response.newsletterCreationTimeMetadataMixin.creationTimeValue,
    };
  });

  // WWebJS.subscribeToUnsubscribeFromChannel: false for an unknown or owned channel.
  async function subscription(channelId, action, options = {}) {
    const chat = await findChat(channelId);
    if (!chat || !chat.newsletterMetadata || chat.newsletterMetadata.membershipType === 'owner') return false;
    const settings = { eventSurface: 3, deleteLocalModels: options.deleteLocalModels ?? true };
    return refusedIsFalse(() =>
      action === 'Subscribe'
        ? mod('WAWebNewsletterSubscribeAction').subscribeToNewsletterAction(chat, settings)
        : mod('WAWebNewsletterUnsubscribeAction').unsubscribeFromNewsletterAction(chat, settings),
    );
  }

  wagw.register('channel.subscribeToChannel', ({ channelId }) => subscription(channelId, 'Subscribe'));
  wagw.register('channel.unsubscribeFromChannel', ({ channelId, options }) => subscription(channelId, 'Unsubscribe', options || {}));

  // Client.searchChannels: one directory page of channels.
  wagw.register('channel.searchChannels', async ({ searchOptions = {} }) => {
    const region = mod('WAWebL10N').getRegion();
    const isoCodes = Object.keys(mod('WAWebCountriesNativeCountryNames').countryCodesIso);
    let { searchText = '', countryCodes = [region], skipSubscribedNewsletters = false, view = 0, limit = 50 } = searchOptions;
    if (![0, 1, 2, 3].includes(view)) view = 0;
    countryCodes =
      countryCodes.length === 1 && countryCodes[0] === region ? countryCodes : countryCodes.filter((code) => isoCodes.includes(code));
    const query = {
      searchText: String(searchText).trim(),
      countryCodes,
      skipSubscribedNewsletters,
      view: ['RECOMMENDED', 'TRENDING', 'POPULAR', 'NEW'][view],
      categories: [],
      cursorToken: '',
    };
    const gating = mod('WAWebNewsletterGatingUtils');
    const pageSize = gating.getNewsletterDirectoryPageSize;
    if (limit !== 50) gating.getNewsletterDirectoryPageSize = () => limit;
    let found;
    try {
      found = (await mod('WAWebNewsletterDirectorySearchAction').fetchNewsletterDirectories(query)).newsletters;
    } finally {
      gating.getNewsletterDirectoryPageSize = pageSize;
    }
    // The library answers the raw chat models here, not Channel objects.
    return found ? Promise.all(found.map((chat) => M().rawChat(chat, { isChannel: true }))) : [];
  });
})();
