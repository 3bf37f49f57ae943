import { Router, type Request, type Response } from 'express';
import { notFound } from '../errors.js';
import { currentUser } from '../auth/require-user.js';
import { safeReturnPath } from '../auth/validation.js';
import { flash } from '../web/flash.js';
import { wantsJson } from '../web/wants-json.js';
import { NO_SUCH_IMAGE, ownImage } from '../images/access.js';
import type { ImagesRepo } from '../images/images-repo.js';
import { imageJson, labelText } from '../images/present.js';
import type { CorrectionsRepo } from './corrections-repo.js';
import { addTag, parseColourName, parseLabelName, parseTag, putBackLabel, removeLabel, removeTag, setColour, type Edit } from './edits.js';

type Deps = { images: Pick<ImagesRepo, 'findVisible'>; corrections: CorrectionsRepo; now: () => number };

/**
 * The owner's corrections of one image: their own tags, the model's labels they remove (or put back) and the
 * colour's name. Each is one POST that answers the image as it now is (JSON) or goes back with a note.
 */
export function correctionsRoutes({ images, corrections, now }: Deps): Router {
  const router = Router();

  /** One route: read the input first (a 400 before any look-up), then the owner's image, then the change. */
  const correction = (read: (body: Record<string, unknown>) => { edit: Edit; done: string }) => async (req: Request, res: Response) => {
    const { edit, done } = read(req.body ?? {});
    const viewer = currentUser(res).id;
    const image = await ownImage(images, req.params.id, viewer);
    // Trashed on another tab or server since it was read: as gone as an unknown id, and nothing changed.
    const corrected = await corrections.correct(viewer, image, edit, now());
    if (!corrected) throw notFound(NO_SUCH_IMAGE);
    if (wantsJson(req)) {
      res.json({ image: imageJson(corrected, viewer), message: done });
      return;
    }
    await flash(req, 'success', done);
    res.redirect(303, safeReturnPath(req.body?.next) ?? `/images/${image.id}`);
  };

  router.post('/images/:id/tags', correction((body) => {
    const tag = parseTag(body.tag);
    return { edit: addTag(tag), done: `Tagged "${tag}".` };
  }));
  router.post('/images/:id/tags/remove', correction((body) => {
    const tag = parseTag(body.tag);
    return { edit: removeTag(tag), done: `Removed the tag "${tag}".` };
  }));
  router.post('/images/:id/labels/remove', correction((body) => {
    const label = parseLabelName(body.label);
    return { edit: removeLabel(label), done: `Removed the label "${labelText(label)}": search no longer finds the image by it.` };
  }));
  router.post('/images/:id/labels/restore', correction((body) => {
    const label = parseLabelName(body.label);
    return { edit: putBackLabel(label), done: `Put the label "${labelText(label)}" back.` };
  }));
  router.post('/images/:id/colour', correction((body) => {
    const colour = parseColourName(body.colour);
    return { edit: setColour(colour), done: colour ? `The colour is now "${colour}".` : 'The colour is the measured one again.' };
  }));

  return router;
}
