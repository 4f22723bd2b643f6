/**
 * Pocket-ID's client-visible errors (backend/internal/apperror), with the same codes, statuses and messages.
 */

export interface FieldError {
  readonly field: string;
  readonly code: string;
  readonly message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, string>> = {},
    readonly fields: ReadonlyArray<FieldError> = [],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export function notFound(resource: string): ApiError {
  return new ApiError(404, 'not_found', `${resource} not found`, { resource });
}

export function userNotFound(): ApiError {
  return new ApiError(404, 'user_not_found', 'User not found');
}

export function alreadyInUse(property: string): ApiError {
  return new ApiError(409, 'already_in_use', `${property} is already in use`, { property });
}

export function clientIdAlreadyExists(): ApiError {
  return new ApiError(409, 'client_id_already_exists', 'Client ID is already in use');
}

export function invalidRequestBody(): ApiError {
  return new ApiError(400, 'invalid_request_body', 'Request body is invalid');
}

export function invalidField(field: string, code: string, message: string): ApiError {
  return new ApiError(400, 'validation_failed', `${field} ${message}`, {}, [{ field, code, message }]);
}

export function missingField(field: string): ApiError {
  return invalidField(field, 'required', 'is required');
}

/** What the validator middleware answers: one message listing every failed field. */
export function validationFailed(fields: ReadonlyArray<FieldError>): ApiError {
  const message = fields.map((f) => `${f.field} ${f.message}`).join(', ');
  return new ApiError(400, 'validation_failed', message, {}, fields);
}

export function validationMessage(message: string): ApiError {
  return new ApiError(400, 'validation_failed', message);
}

export function notSignedIn(): ApiError {
  return new ApiError(401, 'not_signed_in', 'You are not signed in');
}

export function missingPermission(): ApiError {
  return new ApiError(403, 'forbidden', "You don't have permission to perform this action");
}

export function userDisabled(): ApiError {
  return new ApiError(403, 'user_disabled', 'User account is disabled');
}

export function tooManyRequests(retryAfterSeconds: number): ApiError {
  return new ApiError(429, 'rate_limited', 'Too many requests', {}, [], retryAfterSeconds);
}

export function reservedClaim(key: string): ApiError {
  return new ApiError(400, 'reserved_claim', `Claim ${key} is reserved and can't be used`, { key }, [
    { field: 'key', code: 'reserved', message: 'is reserved' },
  ]);
}

export function duplicateClaim(key: string): ApiError {
  return new ApiError(400, 'duplicate_claim', `Claim ${key} is already defined`, { key }, [
    { field: 'key', code: 'duplicate', message: 'is listed more than once' },
  ]);
}

export function oneTimeAccessDisabled(): ApiError {
  return new ApiError(403, 'one_time_access_disabled', 'One-time access is disabled');
}

export function userEmailNotSet(): ApiError {
  return new ApiError(409, 'user_email_not_set', 'The user does not have an email address set');
}

export function tokenInvalidOrExpired(): ApiError {
  return new ApiError(401, 'token_invalid_or_expired', 'Token is invalid or expired');
}

export function invalidLogoUrl(): ApiError {
  return new ApiError(400, 'validation_failed', 'Logo URL is not allowed', {}, [
    { field: 'logoUrl', code: 'invalid_value', message: 'must be a public HTTP or HTTPS URL' },
  ]);
}

export function logoDownloadFailed(): ApiError {
  return new ApiError(422, 'logo_download_failed', 'Logo could not be downloaded');
}

export function invalidImage(): ApiError {
  return new ApiError(400, 'invalid_image', 'File is not a valid image');
}

export function imageNotFound(): ApiError {
  return new ApiError(404, 'image_not_found', 'Image not found');
}

export function unsupportedFileType(): ApiError {
  return unsupportedFileTypeOf('');
}

/** apperror.UnsupportedFileType(expected): a message and detail naming the types taken, when given. */
export function unsupportedFileTypeOf(expected: string): ApiError {
  if (expected === '') return new ApiError(415, 'file_type_not_supported', 'File type is not supported');
  return new ApiError(415, 'file_type_not_supported', `File must be of type ${expected}`, { expected_file_type: expected });
}

export function fileTooLarge(maxSize: string): ApiError {
  return new ApiError(413, 'file_too_large', `File must not exceed ${maxSize}`, { max_size: maxSize });
}

/** [peer] 2.18+ codes as irashack names them (internal/client/logo_presets.go); the messages may differ. */
export function logoPresetsDisabled(): ApiError {
  return new ApiError(403, 'logo_presets_disabled', 'Logo presets are disabled');
}

export function logoPresetsUnavailable(): ApiError {
  return new ApiError(502, 'logo_presets_unavailable', 'Logo presets could not be loaded');
}

export function internalError(): ApiError {
  return new ApiError(500, 'internal_error', 'Something went wrong');
}

// signup (usersignup)

export function openSignupDisabled(): ApiError {
  return new ApiError(403, 'open_signup_disabled', 'Open user signup is not enabled');
}
