// Progressive enhancement: every feature below also works through plain links and forms without JavaScript.
import { enhanceUploads } from './js/upload.js';
import { enhanceImageActions } from './js/image-actions.js';
import { enhanceTags } from './js/tags.js';
import { enhanceLightbox } from './js/lightbox.js';

document.documentElement.classList.add('js');
enhanceUploads();
enhanceImageActions();
enhanceTags();
enhanceLightbox();
