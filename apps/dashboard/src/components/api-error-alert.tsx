import { Alert, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { ApiError } from '../lib/api';

/** The API's own message (and its suggested action) in an Alert; nothing when there is no error. */
export function ApiErrorAlert({ error, title = 'Something went wrong', onClose }: { error: unknown; title?: string; onClose?: () => void }) {
  if (!error) return null;
  const suggestion = error instanceof ApiError ? error.suggestedAction : undefined;
  return (
    <Alert color="red" variant="light" title={title} role="alert" withCloseButton={!!onClose} onClose={onClose} closeButtonLabel="Dismiss error">
      <Text size="sm">{errorMessage(error)}</Text>
      {suggestion && <Text size="sm" mt={4}>{suggestion}</Text>}
    </Alert>
  );
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message || `Request failed (${error.status})`;
  if (error instanceof TypeError) return 'The gateway could not be reached; check your connection and retry.';
  if (error instanceof Error) return error.message;
  return String(error);
}

/** A failed action as a notification with the API's message. */
export function notifyError(title: string, error: unknown): void {
  notifications.show({ color: 'red', title, message: errorMessage(error), autoClose: 8_000 });
}

export function notifySuccess(title: string, message?: string): void {
  notifications.show({ color: 'green', title, message: message ?? '', autoClose: 4_000 });
}
