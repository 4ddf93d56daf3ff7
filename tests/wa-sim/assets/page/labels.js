// labels.js: WhatsApp Business labels. The Label collection (synced from the phone), each
// label's items (the chats tagged with it) and addOrRemoveLabels, which tags chats.
(function () {
  'use strict';

  __d('WAWebLabelCollection', (require) => {
    const { Model, Collection } = require('WASimCore');
    const server = require('WASimServer');
    // WhatsApp's label palette; a label stores the index of its colour.
    const COLORS = [
      '#ff9485', '#64c4ff', '#ffd429', '#dfaef0', '#99b6c1', '#55ccb3', '#ff9dff', '#d3a91d', '#6d7cce', '#d7e752',
      '#00d0e2', '#ffc5c7', '#93ceac', '#f74848', '#00a0f2', '#83e422', '#ffaf04', '#b5ebff', '#9ba6ff', '#9368cf',
    ];

    class LabelItem extends Model {}

    class Label extends Model {
      get hexColor() {
        return COLORS[(Number(this.color) || 0) % COLORS.length];
      }

      // The chats tagged with this label (parentType 'Chat', parentId the chat id).
      get labelItemCollection() {
        const chats = require('WAWebCollections').Chat;
        const tagged = chats ? chats.filter((chat) => (chat.labels || []).includes(this.id)) : [];
        return new Collection(
          tagged.map((chat) => new LabelItem({ id: `${this.id}_${chat.id._serialized}`, labelId: this.id, parentType: 'Chat', parentId: chat.id._serialized })),
        );
      }
    }

    class LabelCollection extends Collection {
      static get model() {
        return Label;
      }

      // actions: [{id, type: 'add'|'remove'}], applied to every chat given.
      async addOrRemoveLabels(actions, chats) {
        for (const chat of chats) {
          let labels = [...(chat.labels || [])];
          for (const { id, type } of actions) {
            const labelId = String(id);
            if (type === 'add' && !labels.includes(labelId)) labels.push(labelId);
            if (type === 'remove') labels = labels.filter((l) => l !== labelId);
          }
          await server.request('labelChat', { chat: chat.id._serialized, labels });
          chat.set('labels', labels);
        }
      }
    }

    const labels = new LabelCollection();
    const apply = (views) => labels.reset(views.map((l) => ({ id: String(l.id), name: l.name, color: l.color })));
    server.onSync(35, (snapshot) => apply(snapshot.labels || []));
    server.on('labels', apply);
    require('WAWebCollections').Label = labels;
    return { LabelCollection: labels, Label };
  });
})();
