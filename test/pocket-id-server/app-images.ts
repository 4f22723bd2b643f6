import { imageNotFound, unsupportedFileTypeOf } from './errors';
import { ApiResponse, emptyResponse, RequestContext } from './http';
import { assertWithinPixelLimit, fileExtension, IMAGE_MIME_TYPES, lightQuery, uploadedFile } from './logos';
import { ServerState } from './state';

/**
 * /api/application-images/* of 2.14 (controller/app_images_controller.go, service/app_images_service.go):
 * GET of each image (public; the default profile picture needs an admin), PUT of a multipart `file`,
 * typed by its extension, with no size limit; DELETE only of the logo, the background and the
 * default profile picture, 404 image_not_found when there is none. 2.15+ refuse more than 16 MP.
 */

/** The image a route names: the logo's by `light`, as logoImageName does. */
function imageName(ctx: RequestContext): string {
  const route = ctx.params.image;
  if (route === 'logo') return lightQuery(ctx) ? 'logoLight' : 'logoDark';
  return { 'email': 'logoEmail', 'background': 'background', 'favicon': 'favicon', 'default-profile-picture': 'default-profile-picture' }[route]!;
}

export function getAppImage(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const image = store.appImages.get(imageName(ctx));
  if (!image) throw imageNotFound();
  const headers = { 'Content-Type': IMAGE_MIME_TYPES[image.extension], 'Cache-Control': 'public, max-age=900, stale-while-revalidate=86400' };
  return { status: 200, headers, body: image.data };
}

export function putAppImage(ctx: RequestContext, { store, release }: ServerState): ApiResponse {
  const file = uploadedFile(ctx);
  const name = imageName(ctx);
  const raw = fileExtension(file.filename);
  // updateEmailLogoHandler types the extension as it is: "PNG" is refused; favicon lower-cases it first.
  if (name === 'logoEmail' && !['png', 'jpg', 'jpeg'].includes(raw)) throw unsupportedFileTypeOf('PNG or JPEG');
  if (name === 'favicon' && !['svg', 'png', 'ico'].includes(raw.toLowerCase())) throw unsupportedFileTypeOf('SVG, PNG, or ICO');
  const extension = raw.toLowerCase();
  if (!IMAGE_MIME_TYPES[extension]) throw unsupportedFileTypeOf('');
  // [peer] 2.15+: see releases.ts imagePixelLimit
  if (release.has('imagePixelLimit')) assertWithinPixelLimit(file.data);
  store.appImages.set(name, { extension, data: file.data });
  return emptyResponse(204);
}

export function deleteAppImage(ctx: RequestContext, { store }: ServerState): ApiResponse {
  const name = imageName(ctx);
  if (!store.appImages.has(name)) throw imageNotFound();
  store.appImages.delete(name);
  return emptyResponse(204);
}
