// media.js: the media pipeline. Sending: OpaqueData -> prepRawMedia -> MediaData ->
// media object -> uploadMedia (HTTP POST to the simulator's /mms/<type>/<token>, which
// answers {url, direct_path}). Receiving: Msg.mediaData (stage INIT -> FETCHING ->
// RESOLVED) and downloadManager.downloadAndMaybeDecrypt (HTTP GET of the directPath).
// The simulator does not encrypt: encFilehash equals filehash and the bytes are the file.
(function () {
  'use strict';

  async function sha256B64(blob) {
    const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
    return window.require('WASimCore').encodeB64(digest);
  }

  function randomB64(bytes) {
    return window.require('WASimCore').encodeB64(crypto.getRandomValues(new Uint8Array(bytes)));
  }

  __d('WAWebMediaOpaqueData', () => {
    // Media bytes with a mimetype; url() is a blob: URL for rendering.
    class OpaqueData {
      constructor(blob) {
        Object.defineProperty(this, '_blob', { value: blob, enumerable: false });
        Object.defineProperty(this, '_url', { value: null, enumerable: false, writable: true });
      }

      static async createFromData(data, mimetype) {
        if (data instanceof OpaqueData) return data;
        const blob = data instanceof Blob ? data : new Blob([data], { type: mimetype || '' });
        return new OpaqueData(mimetype && blob.type !== mimetype ? new Blob([blob], { type: mimetype }) : blob);
      }

      get type() {
        return this._blob.type;
      }

      get size() {
        return this._blob.size;
      }

      url() {
        if (!this._url) this._url = URL.createObjectURL(this._blob);
        return this._url;
      }

      autorelease() {
        setTimeout(() => this.release(), 60000);
      }

      release() {
        if (this._url) URL.revokeObjectURL(this._url);
        this._url = null;
      }

      formData() {
        return this._blob;
      }

      arrayBuffer() {
        return this._blob.arrayBuffer();
      }

      toJSON() {
        return undefined;
      }
    }
    return OpaqueData;
  });

  __d('WAWebMediaDataModel', (require) => {
    const { Model } = require('WASimCore');
    class MediaData extends Model {
      static defaults() {
        return { mediaStage: 'INIT', type: 'document' };
      }

      // Attributes that only make sense in this page (blobs, blob: URLs) stay local.
      serialize() {
        const out = super.serialize();
        delete out.mediaBlob;
        delete out.renderableUrl;
        return out;
      }

      // Within the page the blob travels along: whatsapp-web.js hands toJSON() to
      // mediaObject.consolidate, and uploadMedia reads the blob from the media object.
      toJSON() {
        return Object.assign(this.serialize(), { mediaBlob: this.mediaBlob });
      }
    }
    return { MediaData };
  });

  // What a file becomes in WhatsApp, from its mimetype and the send options.
  function mediaTypeFor(mimetype, { asSticker, asGif, isPtt, asDocument }) {
    if (asSticker) return 'sticker';
    if (asDocument) return 'document';
    if (isPtt) return 'ptt';
    if (asGif) return 'video';
    if (mimetype === 'image/webp') return 'sticker';
    if (/^image\//.test(mimetype)) return 'image';
    if (/^video\//.test(mimetype)) return 'video';
    if (/^audio\//.test(mimetype)) return 'audio';
    return 'document';
  }

  __d('WAWebPrepRawMedia', (require) => ({
    prepRawMedia: (opaqueData, params) => ({
      waitForPrep: async () => {
        const { MediaData } = require('WAWebMediaDataModel');
        const blob = opaqueData.formData();
        const mimetype = blob.type || 'application/octet-stream';
        return new MediaData({
          type: mediaTypeFor(mimetype, params || {}),
          mimetype,
          filename: blob.name || undefined,
          size: blob.size,
          filehash: await sha256B64(blob),
          isGif: !!(params && params.asGif),
          mediaBlob: opaqueData,
          mediaStage: 'RESOLVED',
          preview: undefined,
        });
      },
    }),
  }));

  __d('WAWebMediaStorage', (require) => {
    const { Model } = require('WASimCore');
    const objects = new Map();
    class MediaObject extends Model {
      static defaults() {
        return { contentInfo: {}, type: undefined, size: 0 };
      }

      consolidate(data) {
        this.set({ type: data.type, size: data.size, mimetype: data.mimetype });
        if (data.mediaBlob) Object.defineProperty(this, 'mediaBlob', { value: data.mediaBlob, writable: true, configurable: true, enumerable: false });
      }
    }
    return {
      getOrCreateMediaObject: (filehash) => {
        if (!objects.has(filehash)) objects.set(filehash, new MediaObject({ filehash }));
        return objects.get(filehash);
      },
      getMediaObject: (filehash) => objects.get(filehash),
    };
  });

  __d('WAWebMmsMediaTypes', () => ({
    MEDIA_TYPES: { IMAGE: 'image', VIDEO: 'video', GIF: 'gif', AUDIO: 'audio', PTT: 'ptt', DOCUMENT: 'document', STICKER: 'sticker' },
    msgToMediaType: ({ type, isGif }) => (isGif ? 'gif' : type),
    castToV4: (type) => type,
  }));

  __d('WAWebMediaDataUtils', () => ({
    shouldUseMediaCache: (type) => type === 'image' || type === 'sticker',
  }));

  __d('WAWebMediaInMemoryBlobCache', () => {
    const cache = new Map();
    return {
      InMemoryMediaBlobCache: {
        put: (filehash, blob) => cache.set(filehash, blob),
        get: (filehash) => cache.get(filehash),
        has: (filehash) => cache.has(filehash),
      },
    };
  });

  // Uploads bytes to the simulator's media server; returns its {url, direct_path}.
  async function upload(blob, type, token) {
    const response = await fetch(`/mms/${type}/${encodeURIComponent(token)}`, {
      method: 'POST',
      headers: { 'Content-Type': blob.type || 'application/octet-stream' },
      body: blob,
    });
    if (!response.ok) throw Object.assign(new Error('media upload failed'), { status: response.status });
    return response.json();
  }

  __d('WAWebMediaMmsV4Upload', () => {
    async function uploadFromObject({ mediaObject, mediaType }) {
      const blob = mediaObject.mediaBlob ? mediaObject.mediaBlob.formData() : null;
      if (!blob) throw new Error('media-fault: nothing to upload');
      const filehash = mediaObject.filehash;
      const uploaded = await upload(blob, mediaType, filehash);
      return {
        mediaEntry: {
          mmsUrl: uploaded.url,
          deprecatedMms3Url: uploaded.url,
          directPath: uploaded.direct_path,
          mediaKey: randomB64(32),
          mediaKeyTimestamp: Math.floor(Date.now() / 1000),
          encFilehash: filehash,
          uploadHash: filehash,
          sidecar: undefined,
          firstFrameSidecar: undefined,
          handle: uploaded.direct_path,
        },
      };
    }
    return { uploadMedia: uploadFromObject, uploadUnencryptedMedia: uploadFromObject };
  });

  __d('WAWebUploadManager', () => ({
    encryptAndUpload: async ({ blob, type, mediaKey }) => {
      const filehash = await sha256B64(blob);
      const uploaded = await upload(blob, type, filehash);
      return {
        url: uploaded.url,
        directPath: uploaded.direct_path,
        mediaKey: mediaKey || randomB64(32),
        mediaKeyTimestamp: Math.floor(Date.now() / 1000),
        encFilehash: filehash,
        mimetype: blob.type,
      };
    },
  }));

  __d('WAMediaCalculateFilehash', () => ({
    getRandomFilehash: () => randomB64(32),
  }));

  __d('WAWebStartMediaUploadQpl', () => ({
    startMediaUploadQpl: () => ({ addAnnotations() { return this; }, addPoint() { return this; }, end() {} }),
  }));

  __d('WAWebImageUtils', () => ({
    // Re-encodes an image as WebP through a canvas (stickers are WebP).
    toWebpSticker: async (file) => {
      const bitmap = await createImageBitmap(file);
      const canvas = document.createElement('canvas');
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      canvas.getContext('2d').drawImage(bitmap, 0, 0);
      return new Promise((resolve) => canvas.toBlob(resolve, 'image/webp'));
    },
  }));

  __d('WAWebDownloadManager', () => ({
    downloadManager: {
      // The bytes behind a directPath, as an ArrayBuffer (there is nothing to decrypt).
      downloadAndMaybeDecrypt: async ({ directPath, signal }) => {
        const response = await fetch(directPath, { signal });
        if (!response.ok) throw Object.assign(new Error('media download failed'), { status: response.status });
        return response.arrayBuffer();
      },
    },
  }));

  // Status media messages are built by whatsapp-web.js through this function module.
  __d('WAWebMediaUpdateMsg', () => (data, media) => Object.assign(data, media && media.toJSON ? media.toJSON() : {}));

  // ---- Media on messages: mediaData (with its stage), mediaObject and downloadMedia().
  __d('WASimMsgMedia', (require) => {
    const { Msg } = require('WAWebMsgModel');
    const { MediaData } = require('WAWebMediaDataModel');

    Object.defineProperty(Msg.prototype, 'mediaData', {
      get() {
        if (!this.isMedia && !this.directPath) return undefined;
        if (!this._mediaData) {
          const stage = this.id.fromMe && this.directPath ? 'RESOLVED' : 'INIT';
          const data = new MediaData({ type: this.type, mimetype: this.mimetype, size: this.size, filehash: this.filehash, filename: this.filename, mediaStage: stage });
          Object.defineProperty(this, '_mediaData', { value: data, enumerable: false });
        }
        return this._mediaData;
      },
      configurable: true,
    });

    Object.defineProperty(Msg.prototype, 'mediaObject', {
      get() {
        if (!this.filehash) return undefined;
        return require('WAWebMediaStorage').getOrCreateMediaObject(this.filehash);
      },
      configurable: true,
    });

    // Fetches the media into the page (mediaStage INIT -> FETCHING -> RESOLVED).
    Msg.prototype.downloadMedia = async function downloadMedia() {
      const mediaData = this.mediaData;
      if (!mediaData || mediaData.mediaStage === 'RESOLVED') return;
      mediaData.set('mediaStage', 'FETCHING');
      try {
        const bytes = await require('WAWebDownloadManager').downloadManager.downloadAndMaybeDecrypt({ directPath: this.directPath, type: this.type });
        const OpaqueData = require('WAWebMediaOpaqueData');
        mediaData.set({ mediaBlob: await OpaqueData.createFromData(bytes, this.mimetype), mediaStage: 'RESOLVED' });
      } catch (e) {
        mediaData.set('mediaStage', e.status === 404 ? 'ERROR_MISSING' : 'ERROR_UNKNOWN');
      }
    };
    return {};
  });
})();
