// wa-gateway bridge, contact module: one contact's profile, blocking, chat and common groups,
// the way whatsapp-web.js 1.34.7 Contact (and the Client methods it calls) does it.
(() => {
  const wagw = window.__wagw;
  const mod = (name) => wagw.mod(name);
  const Collections = () => mod('WAWebCollections');

  /** whatsapp-web.js getContactById; wwebjs-api answers 500 'Contact not found' when it fails. */
  async function findContact(contactId) {
    let contact = null;
    try {
      contact = await Collections().Contact.find(mod('WAWebWidFactory').createWid(contactId));
    } catch (_err) {
      contact = null;
    }
    if (!contact) throw wagw.fail(500, 'Contact not found');
    if (contact.isBusiness || contact.isEnterprise) {
      await Collections().BusinessProfile.find(contact.id).catch(() => {});
    }
    return contact;
  }

  const isGroup = (contact) => mod('WAWebContactGetters').getIsGroup(contact);

  async function setBlocked(contactId, block) {
    const contact = await findContact(contactId);
    if (isGroup(contact)) return false;
    const resolved = mod('WAWebBlockContactUtils').getContactToBlockOnlyUseIfNoAssociatedChat(contact, 'ChatListBlock');
    const action = mod('WAWebBlockContactAction');
    if (block) await action.blockContact({ contact: resolved });
    else await action.unblockContact(resolved);
    return true;
  }

  wagw.register('contact.getClassInfo', async ({ contactId }) => wagw.models.contact(await findContact(contactId)));

  wagw.register('contact.block', ({ contactId }) => setBlocked(contactId, true));

  wagw.register('contact.unblock', ({ contactId }) => setBlocked(contactId, false));

  wagw.register('contact.getAbout', async ({ contactId }) => {
    const contact = await findContact(contactId);
    const about = await mod('WAWebContactStatusBridge').getStatus({ token: '', wid: contact.id });
    return about && typeof about.status === 'string' ? about.status : null;
  });

  // Contact.getChat: null for the account itself, else the chat (created when missing).
  wagw.register('contact.getChat', async ({ contactId }) => {
    const contact = await findContact(contactId);
    if (mod('WAWebContactGetters').getIsMe(contact)) return null;
    const chat = await wagw.models.findChat(wagw.models.serialized(contact.id));
    return chat ? wagw.models.chat(chat) : null;
  });

  // Client.getFormattedNumber: the number as a user jid, formatted by WhatsApp's phone utils.
  wagw.register('contact.getFormattedNumber', async ({ contactId }) => {
    const contact = await findContact(contactId);
    let number = wagw.models.serialized(contact.id);
    if (!number.endsWith('@s.whatsapp.net')) number = number.replace('c.us', 's.whatsapp.net');
    if (!number.includes('@s.whatsapp.net')) number = `${number}@s.whatsapp.net`;
    return mod('WAWebPhoneUtils').formattedPhoneNumber(number);
  });

  wagw.register('contact.getCountryCode', async ({ contactId }) => {
    const contact = await findContact(contactId);
    const number = wagw.models.serialized(contact.id).replace(' ', '').replace('+', '').replace('@c.us', '');
    return mod('WAPhoneFindCC').findCC(number);
  });

  // Client.getProfilePicUrl: asks the server for the picture of the contact's chat.
  wagw.register('contact.getProfilePicUrl', async ({ contactId }) => {
    const contact = await findContact(contactId);
    try {
      const picture = await mod('WAWebContactProfilePicThumbBridge').requestProfilePicFromServer(contact.id);
      return (picture && picture.eurl) || null;
    } catch (err) {
      if (err && err.name === 'ServerStatusCodeError') return null;
      throw err;
    }
  });

  // Client.getCommonGroups: the contact's commonGroups, fetched once by findCommonGroups.
  wagw.register('contact.getCommonGroups', async ({ contactId }) => {
    const contact = await findContact(contactId);
    if (!contact.commonGroups) {
      const found = await mod('WAWebFindCommonGroupsContactAction').findCommonGroups(contact);
      if (!found || !contact.commonGroups) return [];
    }
    return contact.commonGroups.getModelsArray().map((group) => group.id);
  });
})();
