// channels.js: newsletters (WhatsApp channels): NewsletterMetadata and the newsletter
// chats, previews, creation, metadata edits, subscribing, muting, posting, admins and
// their invites, ownership, subscribers and the channel directory.
//
// The server answers with newsletters in the shape of WhatsApp's newsletter query
// (one mixin per facet); WAWebNewsletterModelUtils maps them to the chat, metadata and
// picture models, as in WhatsApp Web.
(function () {
  'use strict';

  __d('WAWebCommonNewsletterEnums', () => ({
    NewsletterMembershipType: { Subscriber: 'subscriber', Admin: 'admin', Guest: 'guest', Owner: 'owner' },
    NewsletterPrivacy: { Public: 'public', Private: 'private' },
    NewsletterState: { Active: 'active', Suspended: 'suspended', GeoSuspended: 'geosuspended' },
    NewsletterReactionCodesSetting: { All: 0, Basic: 1, Blocklist: 2, None: 3 },
  }));

  // What a refused newsletter request throws; callers tell it apart by name.
  __d('WASimNewsletterServer', (require) => {
    class ServerStatusCodeError extends Error {
      constructor(message, statusCode) {
        super(message);
        this.name = 'ServerStatusCodeError';
        this.statusCode = statusCode;
      }
    }
    return {
      ServerStatusCodeError,
      request: async (method, params) => {
        try {
          return await require('WASimServer').request(method, params);
        } catch (e) {
          throw new ServerStatusCodeError(e.message, e.status || 400);
        }
      },
    };
  });

  __d('WAWebNewsletterModelUtils', (require) => {
    const MUTED_STATE = -1;
    const UNMUTED_STATE = 0;
    const enums = () => require('WAWebCommonNewsletterEnums');
    const isMembershipAdminOrOwner = (role) => role === 'admin' || role === 'owner';

    function userSetting(newsletter, type) {
      const setting = (newsletter.newsletterUserSettingsMetadataMixin || []).find((s) => s.type === type);
      if (!setting) return undefined;
      if (setting.value === 'ON') return MUTED_STATE;
      if (setting.value === 'OFF') return UNMUTED_STATE;
      return undefined;
    }

    const defined = (attrs) => Object.fromEntries(Object.entries(attrs).filter(([, v]) => v != null));

    function mapNewsletterToChat(newsletter) {
      const role = newsletter.newsletterMembershipMetadataMixin && newsletter.newsletterMembershipMetadataMixin.membershipType;
      const created = newsletter.newsletterCreationTimeMetadataMixin && newsletter.newsletterCreationTimeMetadataMixin.creationTimeValue;
      return defined({
        id: require('WAWebWidFactory').createWid(newsletter.idJid),
        name: newsletter.newsletterNameMetadataMixin && newsletter.newsletterNameMetadataMixin.nameElementValue,
        isReadOnly: role != null ? !isMembershipAdminOrOwner(role) : undefined,
        muteExpiration: userSetting(newsletter, 'MUTE_ADMIN_ACTIVITY'),
        t: created,
      });
    }

    function mapNewsletterToMetadata(newsletter) {
      const state = newsletter.newsletterStateMetadataMixin && newsletter.newsletterStateMetadataMixin.stateType;
      const description = newsletter.newsletterDescriptionMetadataMixin && newsletter.newsletterDescriptionMetadataMixin.descriptionQueryDescriptionResponseMixin;
      const verification = newsletter.newsletterVerificationMetadataMixin && newsletter.newsletterVerificationMetadataMixin.verificationState;
      return defined({
        id: require('WAWebWidFactory').createWid(newsletter.idJid),
        creationTime: newsletter.newsletterCreationTimeMetadataMixin && newsletter.newsletterCreationTimeMetadataMixin.creationTimeValue,
        name: newsletter.newsletterNameMetadataMixin && newsletter.newsletterNameMetadataMixin.nameElementValue,
        nameUpdateTime: newsletter.newsletterNameMetadataMixin && newsletter.newsletterNameMetadataMixin.nameUpdateTime,
        description: description && description.elementValue,
        descriptionUpdateTime: description && description.updateTime,
        inviteCode: newsletter.newsletterInviteLinkMetadataMixin && newsletter.newsletterInviteLinkMetadataMixin.inviteCode,
        size: newsletter.newsletterSubscribersMetadataMixin && newsletter.newsletterSubscribersMetadataMixin.subscribersCount,
        verified: verification != null ? verification === 'verified' : undefined,
        membershipType: newsletter.newsletterMembershipMetadataMixin && newsletter.newsletterMembershipMetadataMixin.membershipType,
        reactionCodesSetting: Object.prototype.hasOwnProperty.call(newsletter, 'newsletterReactionCodesSettingMetadataMixin')
          ? newsletter.newsletterReactionCodesSettingMetadataMixin ?? enums().NewsletterReactionCodesSetting.All
          : undefined,
        privacy: newsletter.newsletterPrivacyMetadataMixin && newsletter.newsletterPrivacyMetadataMixin.privacyType,
        followerActivityMuteExpiration: userSetting(newsletter, 'MUTE_FOLLOWER_ACTIVITY'),
        suspended: state != null ? state === 'suspended' || state === 'geosuspended' : undefined,
        geosuspended: state != null ? state === 'geosuspended' : undefined,
      });
    }

    // The picture as a ProfilePicThumb: eurl from the image's directPath.
    function mapPicturesToProfilePicThumb(idJid, pictures) {
      const id = require('WAWebWidFactory').createWid(idJid);
      const image = (pictures || [])
        .map((p) => p.queryPictureDirectPathOrEmptyResponseMixinGroup)
        .find((g) => g && g.name === 'QueryPictureDirectPathResponse' && g.value.type === 'image');
      if (!image) return { id, timestamp: Date.now(), eurl: null, previewEurl: null, eurlStale: false, stale: false };
      const eurl = location.origin + image.value.directPath;
      return { id, timestamp: Date.now(), tag: image.value.id, eurl, img: eurl, imgFull: eurl, eurlStale: false, stale: false };
    }

    function mapNewsletterToModels(newsletter) {
      return {
        chat: mapNewsletterToChat(newsletter),
        metadata: mapNewsletterToMetadata(newsletter),
        pic: mapPicturesToProfilePicThumb(newsletter.idJid, (newsletter.newsletterPictureMetadataMixin || {}).picture),
      };
    }

    // The role the local models know for a newsletter (by invite code or id); guest otherwise.
    function getRoleByIdentifier(identifier) {
      const metadata = require('WAWebCollections').NewsletterMetadataCollection;
      const known = metadata
        .getModelsArray()
        .find((m) => m.inviteCode === identifier || m.id._serialized === String(identifier));
      return known && known.membershipType ? known.membershipType : enums().NewsletterMembershipType.Guest;
    }

    return {
      DEFAULT_NEWSLETTER_ADMIN_COUNT: 1,
      MUTED_STATE,
      UNMUTED_STATE,
      ADMIN_NOTIFICATIONS: 'admin',
      FOLLOWER_NOTIFICATIONS: 'follower',
      isMembershipAdminOrOwner,
      mapNewsletterToChat,
      mapNewsletterToMetadata,
      mapPicturesToProfilePicThumb,
      mapNewsletterToModels,
      isMuted: (expiration) => expiration === MUTED_STATE,
      getRoleByIdentifier,
    };
  });

  __d('WAWebNewsletterMetadataModel', (require) => {
    const { Model } = require('WASimCore');
    class NewsletterMetadata extends Model {
      static defaults() {
        return { suspended: false, geosuspended: false, hasProfilePictureDeletionAlerts: false, adminCount: 1, terminated: false, followerActivityMuteExpiration: 0 };
      }

      get isPreview() {
        return this.membershipType === 'guest';
      }

      get isSubscribedOrOwned() {
        return this.membershipType !== 'guest';
      }
    }
    return { NewsletterMetadata };
  });

  __d('WAWebNewsletterMetadataCollection', (require) => {
    const { Collection } = require('WASimCore');
    const { NewsletterMetadata } = require('WAWebNewsletterMetadataModel');

    class NewsletterMetadataCollection extends Collection {
      static get model() {
        return NewsletterMetadata;
      }

      // Queries the server and refreshes the local models; keeps them when it refuses.
      async update(id) {
        const wid = require('WAWebWidFactory').createWid(id);
        try {
          const newsletter = await require('WASimNewsletterServer').request('newsletterMetadata', { id: wid._serialized });
          require('WAWebNewsletterCollection')._apply(newsletter);
        } catch (e) {
          if (e.name !== 'ServerStatusCodeError') throw e;
        }
        return this.get(wid);
      }

      async findImpl(id) {
        await this.update(id);
        const found = this.get(id);
        if (!found) throw new Error('newsletter not found: ' + (id._serialized || id));
        return found;
      }
    }

    const metadata = new NewsletterMetadataCollection();
    const collections = require('WAWebCollections');
    collections.NewsletterMetadataCollection = metadata;
    collections.WAWebNewsletterMetadataCollection = metadata;
    return Object.assign(metadata, { NewsletterMetadataCollection: metadata });
  });

  __d('WAWebNewsletterCollection', (require) => {
    const { Collection } = require('WASimCore');
    const { Chat } = require('WAWebChatCollection');
    const server = require('WASimServer');
    const metadata = () => require('WAWebCollections').NewsletterMetadataCollection;

    // A newsletter is a chat of its own collection, read-only unless one administers it.
    class Newsletter extends Chat {
      get newsletterMetadata() {
        return metadata().get(this.id);
      }

      get groupMetadata() {
        return undefined;
      }

      get formattedTitle() {
        return this.name || '';
      }

      get kind() {
        return 'newsletter';
      }

      get mute() {
        const chat = this;
        return {
          get expiration() {
            return chat.muteExpiration || 0;
          },
          get isMuted() {
            return (chat.muteExpiration || 0) !== 0;
          },
        };
      }
    }

    class NewsletterCollection extends Collection {
      static get model() {
        return Newsletter;
      }

      async findImpl(id) {
        await require('WAWebLoadNewsletterPreviewChatAction').loadNewsletterPreviewChat(id);
        const found = this.get(id);
        if (!found) throw new Error('newsletter not found: ' + (id._serialized || id));
        return found;
      }
    }

    const newsletters = new NewsletterCollection();

    function addPosts(chat, posts) {
      const { Msg } = require('WAWebMsgModel');
      const all = require('WAWebCollections').Msg;
      for (const post of posts || []) {
        const key = `${post.id.fromMe}_${post.id.remote}_${post.id.id}`;
        const existing = chat.msgs.get(key);
        if (existing) {
          existing.set({ serverId: post.serverId, t: post.t });
          continue;
        }
        const msg = new Msg({ ...post, isNewMsg: false });
        chat.msgs.add(msg);
        all.add(msg, { silent: true });
      }
      // The server hands over a channel's whole history at once.
      chat.msgs.msgLoadState.noEarlierMsgs = true;
    }

    // Stores a newsletter as the server described it: metadata, picture, chat and posts.
    function apply(newsletter) {
      const utils = require('WAWebNewsletterModelUtils');
      const { chat: chatAttrs, metadata: metadataAttrs, pic } = utils.mapNewsletterToModels(newsletter);
      const existingMetadata = metadata().get(metadataAttrs.id);
      if (existingMetadata) existingMetadata.set(metadataAttrs);
      else metadata().add(metadataAttrs);
      const thumbs = require('WAWebCollections').ProfilePicThumb;
      if (thumbs) {
        thumbs.remove(pic.id);
        thumbs.add(pic);
      }
      let chat = newsletters.get(chatAttrs.id);
      const latest = (newsletter.messages || []).reduce((t, m) => Math.max(t, m.t || 0), chatAttrs.t || 0);
      const attrs = { ...chatAttrs, t: latest };
      if (chat) chat.set(attrs);
      else chat = newsletters.add({ unreadCount: 0, muteExpiration: 0, ...attrs });
      addPosts(chat, newsletter.messages);
      return chat;
    }

    function forget(id) {
      const chat = newsletters.get(id);
      if (chat) {
        for (const msg of chat.msgs.getModelsArray()) require('WAWebCollections').Msg.remove(msg, { silent: true });
        newsletters.remove(chat);
      }
      const known = metadata().get(id);
      if (known) metadata().remove(known);
    }

    server.onSync(35, (snapshot) => (snapshot.newsletters || []).forEach(apply));
    // Changes to newsletters this device keeps; others' previews stay out.
    server.on('newsletter', (newsletter) => {
      const role = newsletter.newsletterMembershipMetadataMixin.membershipType;
      if (newsletters.get(newsletter.idJid) || role !== 'guest') apply(newsletter);
    });
    server.on('newsletterDeleted', ({ id }) => forget(id));
    server.on('newsletterMsg', ({ newsletter, msg }) => {
      const chat = newsletters.get(newsletter);
      if (!chat) return;
      addPosts(chat, [msg]);
      chat.set('t', Math.max(chat.t || 0, msg.t));
    });

    require('WAWebCollections').WAWebNewsletterCollection = newsletters;
    return Object.assign(newsletters, { NewsletterCollection: newsletters, Newsletter, _apply: apply, _forget: forget });
  });

  __d('WAWebLoadNewsletterPreviewChatAction', (require) => ({
    // Loads a newsletter one does not follow (as a guest) into the local collections.
    loadNewsletterPreviewChat: async (id) => {
      const wid = require('WAWebWidFactory').createWid(id);
      const newsletter = await require('WASimNewsletterServer').request('newsletterMetadata', { id: wid._serialized });
      return require('WAWebNewsletterCollection')._apply(newsletter);
    },
  }));

  __d('WAWebNewsletterMetadataQueryJob', (require) => ({
    queryNewsletterMetadataByInviteCode: (inviteCode) =>
      require('WASimNewsletterServer').request('newsletterMetadata', { inviteCode: String(inviteCode) }),
    queryNewsletterMetadataByJid: (jid) =>
      require('WASimNewsletterServer').request('newsletterMetadata', { id: String(jid) }),
  }));

  __d('WAWebNewsletterGatingUtils', () => ({
    isNewsletterCreationEnabled: () => true,
    getNewsletterDirectoryPageSize: () => 50,
    getMaxSubscriberNumber: () => 5000,
  }));

  // The picture a newsletter gets: a JPEG data URL, uploaded to the media server first.
  async function uploadPicture(dataUrl) {
    const base64 = String(dataUrl).includes(',') ? String(dataUrl).split(',')[1] : String(dataUrl);
    const bytes = new Uint8Array(window.require('WASimCore').decodeB64(base64));
    const upload = await fetch('/mms/image/newsletter', { method: 'POST', headers: { 'Content-Type': 'image/jpeg' }, body: bytes });
    return (await upload.json()).direct_path;
  }

  __d('WAWebNewsletterCreateQueryJob', (require) => ({
    // createNewsletterQuery({name, description, picture}) -> the created newsletter.
    createNewsletterQuery: async ({ name, description, picture }) => {
      const params = { name, description: description || '' };
      if (picture) params.picture = await uploadPicture(picture);
      return require('WASimNewsletterServer').request('newsletterCreate', params);
    },
  }));

  __d('WAWebEditNewsletterMetadataAction', (require) => ({
    // editNewsletterMetadataAction(chat, {editName, editDescription, editPicture,
    // editReactionCodesSetting}, {name, description, picture, reactionCodesSetting})
    editNewsletterMetadataAction: async (chat, edits, values) => {
      if (!require('WAWebChatGetters').getIsNewsletter(chat)) return;
      const params = { id: chat.id._serialized };
      if (edits.editName) params.name = values.name;
      if (edits.editDescription) params.description = values.description;
      if (edits.editPicture) params.picture = values.picture ? await uploadPicture(values.picture) : null;
      if (edits.editReactionCodesSetting) params.reactionCodesSetting = values.reactionCodesSetting;
      const newsletter = await require('WASimNewsletterServer').request('newsletterEdit', params);
      require('WAWebNewsletterCollection')._apply(newsletter);
    },
  }));

  __d('WAWebNewsletterDeleteAction', (require) => ({
    deleteNewsletterAction: async (chat) => {
      await require('WASimNewsletterServer').request('newsletterDelete', { id: chat.id._serialized });
      require('WAWebNewsletterCollection')._forget(chat.id);
    },
  }));

  __d('WAWebNewsletterSubscribeAction', (require) => ({
    subscribeToNewsletterAction: async (chat) => {
      const newsletter = await require('WASimNewsletterServer').request('newsletterSubscribe', { id: chat.id._serialized });
      return require('WAWebNewsletterCollection')._apply(newsletter);
    },
  }));

  __d('WAWebNewsletterUnsubscribeAction', (require) => ({
    // With deleteLocalModels the newsletter leaves this device; otherwise it stays as a preview.
    unsubscribeFromNewsletterAction: async (chat, { deleteLocalModels } = {}) => {
      const newsletter = await require('WASimNewsletterServer').request('newsletterUnsubscribe', {
        id: chat.id._serialized,
        deleteLocalModels: !!deleteLocalModels,
      });
      const collection = require('WAWebNewsletterCollection');
      if (deleteLocalModels) collection._forget(chat.id);
      else collection._apply(newsletter);
    },
  }));

  __d('WAWebNewsletterUpdateUserSettingJob', (require) => ({
    // updateNewsletterUserSetting({newsletterJid, type, muteExpirationValue})
    updateNewsletterUserSetting: async ({ newsletterJid, muteExpirationValue }) => {
      const { MUTED_STATE } = require('WAWebNewsletterModelUtils');
      const newsletter = await require('WASimNewsletterServer').request('newsletterMute', {
        id: String(newsletterJid),
        mute: muteExpirationValue === MUTED_STATE,
      });
      require('WAWebNewsletterCollection')._apply(newsletter);
    },
  }));

  __d('WAWebMexFetchNewsletterSubscribersJob', (require) => ({
    // -> {subscribers: [{id: Wid, role}]}, owner and admins first.
    mexFetchNewsletterSubscribers: async (newsletterId, limit) => {
      const list = await require('WASimNewsletterServer').request('newsletterSubscribers', { id: String(newsletterId), limit });
      const { createWid } = require('WAWebWidFactory');
      return { subscribers: list.map((s) => ({ id: createWid(s.id), role: s.role })) };
    },
  }));

  __d('WAWebNewsletterSubscriberListAction', (require) => ({
    // The subscribers that are in the address book, as {contact, role}.
    getSubscribersInContacts: (subscribers) => {
      const contacts = require('WAWebCollections').Contact;
      const { getIsMyContact } = require('WAWebFrontendContactGetters');
      return (subscribers || [])
        .map((s) => ({ contact: contacts.get(s.id), role: s.role }))
        .filter((s) => s.contact && getIsMyContact(s.contact));
    },
  }));

  __d('WAWebMsgDataFromModel', () => ({
    msgDataFromMsgModel: (msg) => msg.serialize(),
  }));

  __d('WAWebNewsletterUpdateMsgsRecordsJob', () => {
    // The local message store of newsletters, by serialized message id.
    const records = new Map();
    return {
      addNewsletterMsgsRecords: async (list) => {
        for (const data of list) records.set(String(data.id), data);
      },
      updateNewsletterMsgRecord: async (msg) => {
        records.set(msg.id._serialized, msg.serialize());
      },
    };
  });

  __d('WAWebNewsletterSendMessageJob', (require) => ({
    // sendNewsletterMessageJob({msg, type: 'text'|'media'|'pollCreation', newsletterJid,
    // mediaMetadata?, mediaHandle?}) -> {success, serverId, ack: {t}}; media travels by the
    // handle of its unencrypted upload.
    sendNewsletterMessageJob: async ({ msg, type, newsletterJid, mediaHandle }) => {
      const wire = JSON.parse(JSON.stringify(msg.serialize()));
      try {
        const result = await require('WASimServer').request('newsletterSend', { id: String(newsletterJid), msg: wire, type, mediaHandle });
        return { success: true, serverId: result.serverId, ack: { t: result.t } };
      } catch (e) {
        return { success: false, ack: { error: e.message } };
      }
    },
  }));

  __d('WAWebNewsletterSendMsgAction', (require) => ({
    // The invite travels as a message to the invitee's chat.
    sendNewsletterAdminInviteMessage: async (chat, { newsletterWid, invitee, inviteMessage, base64Thumb }) => {
      const { MsgKey } = require('WASimCore');
      let invite;
      try {
        invite = await require('WASimNewsletterServer').request('newsletterAdminInvite', {
          id: newsletterWid._serialized,
          invitee: invitee._serialized,
        });
      } catch (e) {
        return { messageSendResult: 'ERROR_UNKNOWN', error: e.message };
      }
      const meta = require('WAWebCollections').NewsletterMetadataCollection.get(newsletterWid);
      const me = require('WAWebUserPrefsMeUser').getMaybeMePnUser();
      const [msgPromise, sent] = require('WAWebSendMsgChatAction').addAndSendMsgToChat(chat, {
        id: new MsgKey({ from: me, to: chat.id, id: await MsgKey.newId(), selfDir: 'out' }),
        type: 'newsletter_admin_invite',
        from: me,
        to: chat.id,
        t: Math.floor(Date.now() / 1000),
        ack: 0,
        local: true,
        self: 'out',
        isNewMsg: true,
        newsletterId: newsletterWid._serialized,
        newsletterName: meta ? meta.name : undefined,
        comment: inviteMessage || undefined,
        inviteExpiration: invite.expiration,
        jpegThumbnail: base64Thumb || undefined,
      });
      await msgPromise;
      return sent;
    },
  }));

  __d('WAWebMexAcceptNewsletterAdminInviteJob', (require) => ({
    acceptNewsletterAdminInvite: async (newsletterId) => {
      const newsletter = await require('WASimNewsletterServer').request('newsletterAcceptAdminInvite', { id: String(newsletterId) });
      require('WAWebNewsletterCollection')._apply(newsletter);
    },
  }));

  __d('WAWebMexRevokeNewsletterAdminInviteJob', (require) => ({
    revokeNewsletterAdminInvite: (newsletterId, userWid) =>
      require('WASimNewsletterServer').request('newsletterRevokeAdminInvite', {
        id: String(newsletterId),
        invitee: String(userWid._serialized || userWid),
      }),
  }));

  const demote = (newsletterId, userWid) =>
    window.require('WASimNewsletterServer').request('newsletterDemoteAdmin', {
      id: String(newsletterId._serialized || newsletterId),
      admin: String(userWid._serialized || userWid),
    });

  __d('WAWebDemoteNewsletterAdminAction', () => ({
    demoteNewsletterAdmin: (newsletterId, userWid) => demote(newsletterId, userWid),
  }));

  __d('WAWebNewsletterDemoteAdminJob', () => ({
    // (chat, contact): used when an owner steps down after a transfer.
    demoteNewsletterAdminAction: (chat, contact) => demote(chat.id, contact.id),
  }));

  __d('WAWebChangeNewsletterOwnerAction', (require) => ({
    changeNewsletterOwnerAction: async (chat, newOwner) => {
      await require('WASimNewsletterServer').request('newsletterChangeOwner', {
        id: chat.id._serialized,
        newOwner: newOwner.id._serialized,
      });
      await require('WAWebCollections').NewsletterMetadataCollection.update(chat.id);
    },
  }));

  __d('WAWebNewsletterDirectorySearchAction', (require) => ({
    // fetchNewsletterDirectories({searchText, countryCodes, skipSubscribedNewsletters, view,
    // categories, cursorToken}) -> {newsletters: [newsletter chats], pageInfo}; one page of
    // getNewsletterDirectoryPageSize() results.
    fetchNewsletterDirectories: async (options) => {
      const limit = require('WAWebNewsletterGatingUtils').getNewsletterDirectoryPageSize();
      const found = await require('WASimNewsletterServer').request('newsletterDirectory', { ...options, limit });
      const collection = require('WAWebNewsletterCollection');
      const newsletters = found.map((newsletter) => collection.get(newsletter.idJid) || previewChat(newsletter));
      return { newsletters, pageInfo: { hasNextPage: false, endCursor: null } };
    },
  }));

  // A directory result one does not keep: a chat model outside the collection, its
  // metadata known (whatsapp-web.js reads it through the metadata collection).
  function previewChat(newsletter) {
    const require = window.require;
    const utils = require('WAWebNewsletterModelUtils');
    const { chat, metadata } = utils.mapNewsletterToModels(newsletter);
    const known = require('WAWebCollections').NewsletterMetadataCollection;
    if (known.get(metadata.id)) known.get(metadata.id).set(metadata);
    else known.add(metadata);
    const { Newsletter } = require('WAWebNewsletterCollection');
    return new Newsletter({ unreadCount: 0, ...chat, muteExpiration: utils.MUTED_STATE, isReadOnly: true });
  }

  __d('WAWebCountriesNativeCountryNames', () => ({
    countryCodesIso: {
      AR: 'Argentina', AU: 'Australia', BR: 'Brasil', CA: 'Canada', CH: 'Schweiz', CN: '中国',
      DE: 'Deutschland', ES: 'España', FR: 'France', GB: 'United Kingdom', ID: 'Indonesia',
      IN: 'India', IT: 'Italia', JP: '日本', KE: 'Kenya', MX: 'México', NG: 'Nigeria',
      NL: 'Nederland', PT: 'Portugal', RU: 'Россия', SA: 'السعودية', TR: 'Türkiye',
      UA: 'Україна', US: 'United States', ZA: 'South Africa',
    },
  }));
})();
