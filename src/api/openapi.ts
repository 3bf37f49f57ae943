import { Router } from 'express';
import { REJECTION_STATUS } from '../images/rejections.js';
import { PAGE_SIZE } from '../images/pagination.js';
import { MAX_SELECTION } from '../images/access.js';
import { TRASH_SHOWN } from '../trash/routes.js';
import { TRASH_DAYS } from '../trash/trash-repo.js';
import { COLOUR_NAMES, MAX_TAGS, TAG_MAX_LENGTH } from '../corrections/edits.js';

export const OPENAPI_PATH = '/api/openapi.json';

const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = (description: string) => json(ref('Error'), description);
const asJson = { name: 'Accept', in: 'header', required: true, schema: { const: 'application/json' }, description: 'Every route here answers HTML without it.' };
const imageId = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
// A browser's session (with its CSRF token for POSTs), or an API token (read-write for POSTs).
const csrf = [{ session: [], csrf: [] }, { token: [] }];
const signedIn = [{ session: [] }, { token: [] }];
const sortBy = (orders: string[], fallback: string) => ({
  name: 'sort', in: 'query', schema: { enum: orders, default: fallback },
  description: '`relevance` (a search only): best match first. `newest` (or `uploaded`): newest upload first. `taken`: newest photo first, by when it was taken (the upload time when the camera gave no date). The page links keep it.',
});
const paging = [
  { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1 }, description: 'A page number (up to 10 by number; further by the `older` link).' },
  { name: 'before', in: 'query', schema: { type: 'string' }, description: 'From an `older` link: the page after it.' },
  { name: 'after', in: 'query', schema: { type: 'string' }, description: 'From a `newer` link: the page before it.' },
];
const anonymous = error('Not signed in, the session has ended, or the API token is unknown, revoked or expired.');
const notFound = error('No such image, or one the caller may not see: the two look alike.');
const list = (extra: Record<string, object> = {}, required: string[] = []) => ({
  type: 'object',
  required: ['images', 'page', 'pages', 'total', 'totalExact', 'sort', ...required],
  properties: {
    sort: { enum: ['relevance', 'newest', 'taken'] },
    images: { type: 'array', items: ref('Image'), maxItems: PAGE_SIZE },
    page: { type: 'integer', minimum: 1 },
    pages: { type: ['integer', 'null'], minimum: 1, description: 'null when the total is not exact.' },
    total: { type: 'integer', minimum: 0 },
    totalExact: { type: 'boolean', description: 'false: there are more than `total` (1,000) matches.' },
    newer: { type: 'string', description: 'The link of the page before, when there is one.' },
    older: { type: 'string', description: 'The link of the page after, when there is one.' },
    ...extra,
  },
  additionalProperties: false,
});
const uuids = { type: 'array', items: { type: 'string', format: 'uuid' } };
const trashed = {
  type: 'object', required: ['trashed', 'restoreUntil'], additionalProperties: false,
  properties: { trashed: uuids, restoreUntil: { type: 'string', format: 'date-time', description: 'When the purge deletes them for good.' } },
};
const selectionIds = { ...uuids, minItems: 1, maxItems: MAX_SELECTION, description: 'Image ids; a form sends `ids` once per image.' };
const wholeList = { type: 'string', minLength: 1, description: 'The address of a list (`/?show=mine`, `/search?q=red`): every image of it (up to the same limit), read when the action runs. When given, `ids` is not read.' };
const eitherIdsOrList = [{ required: ['ids'] }, { required: ['all'] }];
const trashChoice = {
  type: 'object', properties: { ids: selectionIds, all: { const: 'yes', description: 'Every image in the trash, instead of ids.' } },
  anyOf: [{ required: ['ids'] }, { required: ['all'] }],
};
/** One of the owner's corrections of an image: one field in, the image as it now is out. */
const correction = (summary: string, field: string, schema: object, bad: string) => ({
  post: {
    summary, security: csrf, parameters: [asJson, imageId],
    requestBody: {
      required: true,
      content: {
        'application/json': { schema: { type: 'object', required: [field], properties: { [field]: schema } } },
        'application/x-www-form-urlencoded': { schema: { type: 'object', required: [field], properties: { [field]: schema } } },
      },
    },
    responses: {
      200: json({ type: 'object', required: ['image', 'message'], additionalProperties: false, properties: { image: ref('Image'), message: { type: 'string', description: 'What changed, in words.' } } }, 'The image, corrected.'),
      400: error(bad), 401: anonymous, 403: error('Not the owner, or a bad CSRF token.'), 404: notFound,
    },
  },
});
const leftAsTheyAre = { type: 'integer', minimum: 0, description: 'Selected images of other users, left as they are.' };
const unseenIds = { type: 'integer', minimum: 0, description: 'Selected ids of no image the caller may see.' };
// When no file was stored: each file's refusal, or one error for the whole request.
const refusedOrError = { oneOf: [ref('Error'), ref('UploadAnswer')] };
const binary = (description: string) => ({
  description,
  content: { 'image/*': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } },
});

/**
 * The JSON API as scripts see it, OpenAPI 3.1. The test suite checks real answers of every operation here
 * against it, so it says what the code does.
 */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Image Repo',
    version: '1',
    description: 'Every route answers JSON when asked with `Accept: application/json`, and HTML otherwise. ' +
      'Scripts send `Authorization: Bearer <token>` with a token made on the account page (`/account`): no cookie and ' +
      'no CSRF token; a read token may only GET. A browser\'s session works too; its POSTs need the CSRF token in ' +
      '`X-CSRF-Token`, from the `<meta name="csrf-token">` of any page.',
  },
  components: {
    securitySchemes: {
      token: { type: 'http', scheme: 'bearer', description: 'An API token (irt_...) from /account. Bad tokens answer 401; 20 from one address in 15 minutes, 429.' },
      session: { type: 'apiKey', in: 'cookie', name: 'sid' },
      csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token' },
    },
    schemas: {
      Error: { type: 'object', required: ['error'], properties: { error: { type: 'string' } }, additionalProperties: false },
      Label: {
        type: 'object', required: ['name', 'probability'], additionalProperties: false,
        properties: { name: { type: 'string', description: 'An ImageNet class, synonyms comma-separated.' }, probability: { type: 'number', minimum: 0, maximum: 1 } },
      },
      TrashedImage: {
        type: 'object', additionalProperties: false,
        required: ['id', 'originalName', 'visibility', 'width', 'height', 'trashedAt', 'purgeAt', 'thumbUrl'],
        properties: {
          id: { type: 'string', format: 'uuid' }, originalName: { type: 'string' }, visibility: ref('Visibility'),
          width: { type: 'integer' }, height: { type: 'integer' },
          trashedAt: { type: 'string', format: 'date-time' }, purgeAt: { type: 'string', format: 'date-time', description: 'When it is deleted for good.' },
          thumbUrl: { type: 'string' },
        },
      },
      Image: {
        type: 'object', additionalProperties: false,
        required: ['id', 'owner', 'visibility', 'colour', 'labels', 'classified', 'tags', 'width', 'height', 'originalName', 'createdAt'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          owner: { type: 'string' },
          visibility: ref('Visibility'),
          colour: {
            type: 'object', required: ['name', 'hex'], additionalProperties: false,
            properties: { name: { type: 'string' }, hex: { type: 'string', pattern: '^#[0-9a-f]{6}$' } },
            description: 'The most common colour, and the name of the palette shade nearest to it (or the owner\'s name for it).',
          },
          labels: { type: 'array', items: ref('Label'), maxItems: 3, description: 'MobileNet\'s top 3, best first, but those the owner removed.' },
          tags: {
            type: 'array', maxItems: MAX_TAGS, description: 'The owner\'s own tags, in the order added: search finds the image by each in full.',
            items: {
              type: 'object', required: ['name'], additionalProperties: false,
              properties: { name: { type: 'string', minLength: 1, maxLength: TAG_MAX_LENGTH }, addedAt: { type: 'string', format: 'date-time', description: 'To the owner only.' } },
            },
          },
          corrections: {
            type: 'object', required: ['removedLabels', 'colour'], additionalProperties: false,
            description: 'To the owner only: the model\'s labels they removed, and the measured colour name their own replaces.',
            properties: {
              removedLabels: {
                type: 'array', items: { type: 'object', required: ['name', 'removedAt'], additionalProperties: false, properties: { name: { type: 'string' }, removedAt: { type: 'string', format: 'date-time' } } },
              },
              colour: {
                type: ['object', 'null'], required: ['name', 'measured', 'setAt'], additionalProperties: false,
                properties: { name: { type: 'string' }, measured: { type: 'string' }, setAt: { type: 'string', format: 'date-time' } },
              },
            },
          },
          classified: { type: 'boolean', description: 'false until a model has looked at it (no model was loaded).' },
          width: { type: 'integer', minimum: 1 },
          height: { type: 'integer', minimum: 1 },
          originalName: { type: 'string' },
          createdAt: { type: 'string', format: 'date-time', description: 'When it was uploaded.' },
          takenAt: {
            type: ['string', 'null'], pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}([+-]\\d{2}:\\d{2})?$',
            description: "When it was taken, by the camera's clock, with its UTC offset when the camera recorded one (to others only when the owner shares places); null when it gave no date.",
          },
          palette: {
            type: ['array', 'null'], maxItems: 6, description: 'The named colours that each cover 5% or more of it (and the colour tag\'s), most first; null until read from an image stored before palettes were.',
            items: {
              type: 'object', required: ['name', 'hex', 'share'], additionalProperties: false,
              properties: { name: { type: 'string' }, hex: { type: 'string', pattern: '^#[0-9a-f]{6}$' }, share: { type: 'number', minimum: 0, maximum: 1 } },
            },
          },
          match: {
            type: 'object', required: ['score', 'terms'], additionalProperties: false,
            description: 'In search results only: why it matched. The score, which orders the results, adds for each term matched its strength and 100 when it is 5% or more, so images that more terms surely match come first.',
            properties: {
              score: { type: 'number', minimum: 0 },
              terms: {
                type: 'array',
                items: {
                  type: 'object', required: ['term', 'strength'], additionalProperties: false,
                  properties: { term: { type: 'string' }, strength: { type: 'number', minimum: 0, maximum: 1, description: "A label's probability, a colour's share or nearness, 1 for the uploader or id." } },
                },
              },
            },
          },
          details: {
            oneOf: [ref('PhotoDetails'), { type: 'object', required: ['place'], additionalProperties: false, properties: { place: ref('Place') } }, { type: 'null' }],
            description: 'To the owner: what the camera recorded (null until read from an image stored before it was). To others: absent, or only the place when the owner keeps locations in their public photos.',
          },
        },
      },
      PhotoDetails: {
        type: 'object', additionalProperties: false,
        required: ['make', 'model', 'lens', 'exposureTime', 'fNumber', 'iso', 'focalLength', 'place'],
        properties: {
          make: { type: ['string', 'null'] }, model: { type: ['string', 'null'] }, lens: { type: ['string', 'null'] },
          exposureTime: { type: ['number', 'null'], description: 'Seconds.' },
          fNumber: { type: ['number', 'null'] }, iso: { type: ['number', 'null'] },
          focalLength: { type: ['number', 'null'], description: 'Millimetres.' },
          place: { oneOf: [ref('Place'), { type: 'null' }] },
        },
      },
      Place: {
        type: 'object', required: ['latitude', 'longitude', 'openStreetMap'], additionalProperties: false,
        properties: {
          latitude: { type: 'number', minimum: -90, maximum: 90 }, longitude: { type: 'number', minimum: -180, maximum: 180 },
          openStreetMap: { type: 'string', format: 'uri' },
        },
      },
      Visibility: { type: 'string', enum: ['public', 'private'] },
      Usage: {
        type: 'object', required: ['usedBytes', 'quotaBytes', 'text'], additionalProperties: false,
        properties: { usedBytes: { type: 'integer', minimum: 0 }, quotaBytes: { type: 'integer', minimum: 1 }, text: { type: 'string' } },
      },
      UploadResult: {
        oneOf: [
          {
            type: 'object', required: ['filename', 'ok', 'image', 'html'], additionalProperties: false,
            properties: {
              filename: { type: 'string' }, ok: { const: true }, image: ref('Image'),
              html: { type: 'string', description: 'The gallery card of the image.' },
              notice: { type: 'string', description: 'Stored, but not classified yet.' },
              similarTo: { type: 'string', format: 'uuid', description: 'Stored, and it looks like this image of yours: the same photo resized, recompressed or lightly cropped.' },
            },
          },
          {
            type: 'object', required: ['filename', 'ok', 'reason', 'error'], additionalProperties: false,
            properties: {
              filename: { type: 'string' }, ok: { const: false },
              reason: { type: 'string', enum: Object.keys(REJECTION_STATUS) },
              error: { type: 'string' },
              copyOf: { type: 'string', format: 'uuid', description: 'With reason "duplicate": the id of the image of yours that has these bytes.' },
            },
          },
        ],
      },
      UploadAnswer: {
        type: 'object', required: ['results'], additionalProperties: false,
        properties: { results: { type: 'array', items: ref('UploadResult'), minItems: 1 }, usage: ref('Usage') },
        description: '`usage` comes with a quota (MAX_USER_GB).',
      },
      Health: {
        type: 'object', required: ['status', 'database', 'storage', 'model'], additionalProperties: false,
        properties: {
          status: { enum: ['ok', 'unavailable'] }, database: { type: 'boolean' }, storage: { type: 'boolean' }, model: { type: 'boolean' },
        },
      },
    },
  },
  paths: {
    '/healthz': {
      get: {
        summary: 'For load balancers: the database and the storage work (no login, no cookie).',
        responses: { 200: json(ref('Health'), 'Serving.'), 503: json(ref('Health'), 'A part is failing: it is false.') },
      },
    },
    '/': {
      get: {
        summary: 'The gallery: every image the caller may see (or one list of them), newest first, 48 a page.',
        security: signedIn,
        parameters: [
          asJson, ...paging, sortBy(['newest', 'uploaded', 'taken'], 'newest'),
          { name: 'show', in: 'query', schema: { enum: ['all', 'mine', 'private'], default: 'all' }, description: '`mine`: the caller\'s own images. `private`: their private ones. The page links keep it.' },
          { name: 'uploader', in: 'query', schema: { type: 'string', maxLength: 100 }, description: 'One uploader\'s images: their public ones (all of them for the caller\'s own name). Not with `show`.' },
        ],
        responses: {
          200: json(list({ show: { enum: ['all', 'mine', 'private'] }, uploader: { type: 'string' } }, ['show']), 'A page of images.'),
          400: error('A bad page, cursor, sort, show or uploader.'), 401: anonymous, 404: error('No user has that name.'),
        },
      },
    },
    '/search': {
      get: {
        summary: 'Images matching any of the comma-separated terms (colour name or #rrggbb, label and its synonyms, plurals and more general words, uploader, id), best match first.',
        security: signedIn,
        parameters: [
          asJson, { name: 'q', in: 'query', required: true, schema: { type: 'string', minLength: 1 } }, ...paging,
          sortBy(['relevance', 'newest', 'uploaded', 'taken'], 'relevance'),
        ],
        responses: {
          200: json(list({
            query: { type: 'string', description: 'The terms as understood, comma-separated.' },
            terms: { type: 'array', items: { type: 'string' } },
            truncated: { type: 'boolean', description: 'Terms past the fiftieth, or text past the length limit, were ignored.' },
          }, ['query', 'terms', 'truncated']), 'A page of matches.'),
          400: error('A bad page, cursor or sort.'),
          401: anonymous,
        },
      },
    },
    '/images': {
      post: {
        summary: 'Upload up to MAX_FILES images at once. Each file is stored or refused on its own.',
        security: csrf,
        parameters: [asJson],
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object', required: ['visibility', 'images'],
                properties: {
                  visibility: ref('Visibility'),
                  duplicates: {
                    enum: ['skip', 'keep'], default: 'skip',
                    description: 'What to do with a file whose bytes you already have: "skip" refuses it (reason "duplicate"), "keep" stores it again. Sent before the files, it spares a skipped file its decoding.',
                  },
                  images: { type: 'array', items: { type: 'string', contentMediaType: 'application/octet-stream' } },
                },
              },
              encoding: { images: { contentType: 'image/jpeg, image/png, image/webp, image/gif, image/avif, image/tiff' } },
            },
          },
        },
        responses: {
          200: json(ref('UploadAnswer'), 'At least one file was stored; `results` says what became of each, in order.'),
          400: json(refusedOrError, 'Nothing was stored: the request could not be read, or every file was refused (for more than one kind of reason).'),
          401: anonymous,
          403: error('The CSRF token is missing or wrong.'),
          409: json(refusedOrError, 'Every file is already in your library (`copyOf` names each one\'s twin).'),
          413: json(refusedOrError, 'Every file was too large or over the quota, or there were too many files.'),
          415: json(refusedOrError, 'Every file was of a format not accepted.'),
          500: json(refusedOrError, 'Every file failed on our side.'),
          503: json(refusedOrError, 'The server is busy, or its database or storage is not answering: retry after `Retry-After` seconds.'),
        },
      },
    },
    '/upload': {
      get: {
        summary: 'How much of the caller\'s quota is used (null without a quota).',
        security: signedIn, parameters: [asJson],
        responses: {
          200: json({ type: 'object', required: ['usage'], additionalProperties: false, properties: { usage: { oneOf: [ref('Usage'), { type: 'null' }] } } }, 'The usage.'),
          401: anonymous,
        },
      },
    },
    '/images/{id}': {
      get: {
        summary: 'One image\'s details.',
        security: signedIn, parameters: [asJson, imageId],
        responses: {
          200: json({
            type: 'object', required: ['image', 'similar', 'alike'], additionalProperties: false,
            properties: {
              image: ref('Image'),
              similar: {
                type: 'array', maxItems: 6, description: 'The uploader\'s other images that look like this one (the same photo resized, recompressed or lightly cropped), nearest first; to others, only public ones.',
                items: {
                  type: 'object', required: ['id', 'distance'], additionalProperties: false,
                  properties: { id: { type: 'string', format: 'uuid' }, distance: { type: 'integer', minimum: 0, maximum: 64, description: 'Bits apart of the two 64-bit perceptual hashes.' } },
                },
              },
              alike: {
                type: 'array', maxItems: 6, description: 'The uploader\'s other images that MobileNet sees alike (the cosine of their 1280-value embeddings), most alike first; to others, only public ones. Empty until the image is classified.',
                items: {
                  type: 'object', required: ['id', 'similarity'], additionalProperties: false,
                  properties: { id: { type: 'string', format: 'uuid' }, similarity: { type: 'number', minimum: 0, maximum: 1, description: 'Cosine of the two embeddings.' } },
                },
              },
            },
          }, 'The image.'),
          401: anonymous, 404: notFound,
        },
      },
    },
    '/images/{id}/file': {
      get: {
        summary: 'The original, as uploaded; `Range` requests answer 206.', security: signedIn, parameters: [imageId],
        responses: { 200: binary('The file.'), 206: binary('The bytes asked for.'), 404: notFound },
      },
    },
    '/images/{id}/thumb': {
      get: {
        summary: 'The thumbnail (WebP, at most 400 pixels a side).', security: signedIn, parameters: [imageId],
        responses: { 200: binary('The thumbnail.'), 404: notFound },
      },
    },
    '/images/{id}/download': {
      get: {
        summary: 'The original as an attachment under its uploaded name.', security: signedIn, parameters: [imageId],
        responses: { 200: binary('The file.'), 206: binary('The bytes asked for.'), 404: notFound },
      },
    },
    '/images/{id}/visibility': {
      post: {
        summary: 'Make one of the caller\'s images public or private.',
        security: csrf, parameters: [asJson, imageId],
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: { type: 'object', required: ['visibility'], properties: { visibility: ref('Visibility') } } },
            'application/x-www-form-urlencoded': { schema: { type: 'object', required: ['visibility'], properties: { visibility: ref('Visibility') } } },
          },
        },
        responses: {
          200: json({ type: 'object', required: ['image'], additionalProperties: false, properties: { image: ref('Image') } }, 'The image, changed.'),
          400: error('No such visibility.'), 401: anonymous, 403: error('Not the owner, or a bad CSRF token.'), 404: notFound,
        },
      },
    },
    '/images/{id}/tags': correction('Add a tag of the caller\'s own to one of their images (trimmed, lower case; a tag it has already changes nothing).', 'tag', { type: 'string', minLength: 1, maxLength: TAG_MAX_LENGTH }, `Empty, over ${TAG_MAX_LENGTH} characters, a comma, or the image has ${MAX_TAGS} tags.`),
    '/images/{id}/tags/remove': correction('Remove one of the caller\'s tags from their image (one it does not have is already gone).', 'tag', { type: 'string' }, 'Not a tag.'),
    '/images/{id}/labels/remove': correction('Remove one of MobileNet\'s labels from the caller\'s image: search no longer finds it by that label, nor by the more general words only that label reached. `npm run reclassify` keeps it removed.', 'label', { type: 'string', description: 'The label\'s name as in `labels`.' }, 'Not one of the image\'s labels.'),
    '/images/{id}/labels/restore': correction('Put a removed label back.', 'label', { type: 'string' }, 'No label named.'),
    '/images/{id}/colour': correction('Name the colour of the caller\'s image: search finds it by that name in full, and no longer by the measured one. An empty name goes back to the measured colour.', 'colour', { enum: ['', ...COLOUR_NAMES] }, 'Not one of the colour names.'),
    '/images/{id}/delete': {
      post: {
        summary: `Move one of the caller's images to their trash: from then on it is gone for everyone (lists, search, counts, file URLs) until restored; deleted for good after ${TRASH_DAYS} days.`,
        security: csrf, parameters: [asJson, imageId],
        responses: {
          200: json(trashed, 'In the trash.'),
          401: anonymous, 403: error('Not the owner, or a bad CSRF token.'), 404: notFound,
        },
      },
    },
    '/selection/visibility': {
      post: {
        summary: 'Make many of the caller\'s images public or private, in one transaction. Others\' images in the selection are left as they are.',
        security: csrf, parameters: [asJson],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { type: 'object', required: ['visibility'], anyOf: eitherIdsOrList, properties: { ids: selectionIds, all: wholeList, visibility: ref('Visibility') } } } },
        },
        responses: {
          200: json({
            type: 'object', required: ['changed', 'visibility', 'others', 'unseen'], additionalProperties: false,
            properties: { changed: uuids, visibility: ref('Visibility'), others: leftAsTheyAre, unseen: unseenIds },
          }, 'The caller\'s images of the selection, changed.'),
          400: error('No ids, too many, one that is not an image id, a list address that is not a list (or a search without terms, or over the limit), or no such visibility.'), 401: anonymous,
          403: error('None of the selected images is the caller\'s, or a bad CSRF token.'), 404: notFound,
        },
      },
    },
    '/selection/tag': {
      post: {
        summary: `Add one tag to many of the caller's images, in one transaction. Others' images in the selection stay as they are; images with ${MAX_TAGS} tags already do not get it.`,
        security: csrf, parameters: [asJson],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { type: 'object', required: ['tag'], anyOf: eitherIdsOrList, properties: { ids: selectionIds, all: wholeList, tag: { type: 'string', minLength: 1, maxLength: TAG_MAX_LENGTH } } } } },
        },
        responses: {
          200: json({
            type: 'object', required: ['tagged', 'tag', 'full', 'others', 'unseen'], additionalProperties: false,
            properties: {
              tagged: { ...uuids, description: 'The caller\'s images that have the tag now.' }, tag: { type: 'string', description: 'The tag as stored.' },
              full: { ...uuids, description: `The caller's images left without it: they have ${MAX_TAGS} tags.` }, others: leftAsTheyAre, unseen: unseenIds,
            },
          }, 'The caller\'s images of the selection, tagged.'),
          400: error('No ids, too many, one that is not an image id, a list address that is not a list, or a bad tag.'), 401: anonymous,
          403: error('None of the selected images is the caller\'s, or a bad CSRF token.'), 404: notFound,
        },
      },
    },
    '/selection/delete': {
      post: {
        summary: 'Move many of the caller\'s images to their trash, in one transaction. Others\' images in the selection stay.',
        security: csrf, parameters: [asJson],
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', anyOf: eitherIdsOrList, properties: { ids: selectionIds, all: wholeList } } } } },
        responses: {
          200: json({
            ...trashed, required: [...trashed.required, 'others', 'unseen'],
            properties: { ...trashed.properties, others: leftAsTheyAre, unseen: unseenIds },
          }, 'In the trash.'),
          400: error('No ids, too many, one that is not an image id, or a list address that is not a list (or a search without terms, or over the limit).'), 401: anonymous,
          403: error('None of the selected images is the caller\'s, or a bad CSRF token.'), 404: notFound,
        },
      },
    },
    '/trash': {
      get: {
        summary: `The caller's trash, the latest trashed first (at most ${TRASH_SHOWN}; \`total\` counts them all).`,
        parameters: [asJson],
        responses: {
          200: json({
            type: 'object', required: ['images', 'total', 'keptDays'], additionalProperties: false,
            properties: { images: { type: 'array', items: ref('TrashedImage') }, total: { type: 'integer' }, keptDays: { const: TRASH_DAYS } },
          }, 'The trash.'),
          401: anonymous,
        },
      },
    },
    '/trash/{id}/thumb': {
      get: {
        summary: 'The thumbnail of an image in the caller\'s trash (WebP).',
        parameters: [imageId],
        responses: { 200: { description: 'The thumbnail.', content: { 'image/webp': {} } }, 401: anonymous, 404: error('No such image in the caller\'s trash.') },
      },
    },
    '/trash/restore': {
      post: {
        summary: `Put images of the caller's trash back where they were (same id, same place in the lists), in one transaction; \`all\`: the ${MAX_SELECTION.toLocaleString('en-US')} trashed first.`,
        security: csrf, parameters: [asJson],
        requestBody: { required: true, content: { 'application/json': { schema: trashChoice } } },
        responses: {
          200: json({ type: 'object', required: ['restored'], additionalProperties: false, properties: { restored: uuids } }, 'Restored.'),
          400: error('No ids, too many, or one that is not an image id.'), 401: anonymous, 403: error('A bad CSRF token.'),
          413: error('Restored, they would pass the caller\'s storage quota (trashed images do not count towards it): nothing is restored.'),
          404: error('None of these images is in the caller\'s trash, or (all) the trash is empty.'),
        },
      },
    },
    '/trash/delete': {
      post: {
        summary: 'Delete images of the caller\'s trash for good, files and all, or (all) empty the trash. This cannot be undone.',
        security: csrf, parameters: [asJson],
        requestBody: { required: true, content: { 'application/json': { schema: trashChoice } } },
        responses: {
          200: json({ type: 'object', required: ['deleted'], additionalProperties: false, properties: { deleted: uuids } }, 'Deleted for good.'),
          400: error('No ids, too many, or one that is not an image id.'), 401: anonymous, 403: error('A bad CSRF token.'),
          404: error('None of these images is in the caller\'s trash, or (all) the trash is empty.'),
        },
      },
    },
    '/selection/download': {
      post: {
        summary: 'The selected images the caller may see, as one zip (streamed; ZIP64 past 4 GB or 65,535 files): the caller\'s originals as uploaded, others\' as the file route serves them. Names are made unique and safe on every system.',
        security: csrf,
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', anyOf: eitherIdsOrList, properties: { ids: selectionIds, all: wholeList } } } } },
        responses: {
          200: { description: 'The zip.', content: { 'application/zip': { schema: { type: 'string', contentMediaType: 'application/zip' } } } },
          400: error('No ids, too many, one that is not an image id, or a list address that is not a list (or a search without terms, or over the limit).'), 401: anonymous, 403: error('A bad CSRF token.'),
          404: error('None of the selected images is one the caller may see, or the list holds none.'),
        },
      },
    },
    [OPENAPI_PATH]: {
      get: {
        summary: 'This document.',
        responses: { 200: { description: 'OpenAPI 3.1.', content: { 'application/json': { schema: { type: 'object', required: ['openapi'] } } } } },
      },
    },
  },
};

/** The document, for anyone: it describes routes, not data. */
export function openApiRoutes(): Router {
  const router = Router();
  router.get(OPENAPI_PATH, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(openApiDocument);
  });
  return router;
}
