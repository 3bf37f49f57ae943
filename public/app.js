// Progressive enhancement: every feature below also works through plain links and forms without JavaScript.
import { enhanceUploads } from './js/upload.js';
import { enhanceImageActions } from './js/image-actions.js';
import { enhanceCorrections } from './js/corrections.js';
import { enhanceTags } from './js/tags.js';
import { enhanceLightbox } from './js/lightbox.js';
import { enhanceGrid } from './js/gallery.js';
import { enhanceSelection } from './js/selection.js';
import { enhanceKeysHelp } from './js/keys-help.js';
import { enhanceThemeToggle } from './js/theme-toggle.js';
import { enhanceImagePage } from './js/image-page.js';
import { enhanceCopyButtons } from './js/util.js';
import { enhanceSessionEnd } from './js/session.js';
import { showCarriedTrashed } from './js/trash-undo.js';

document.documentElement.classList.add('js');
enhanceThemeToggle();
enhanceUploads();
enhanceImageActions();
enhanceCorrections();
enhanceTags();
enhanceGrid();
enhanceSelection();
enhanceLightbox();
enhanceKeysHelp();
enhanceCopyButtons();
enhanceImagePage();
enhanceSessionEnd();
showCarriedTrashed();
