/**
 * The reference-video rule, the one place it lives (the request schema and pricing both apply it): a
 * reference video sets the output's length, so a request with one gives no `duration` (and its price is
 * unknown before rendering), and it takes no sound. Dependency-free, like the rest of pricing.
 */
import type { ValidationIssue } from '../errors.js';

/** Whether the request's output length follows a reference video. */
export function hasReferenceVideo(request: { readonly referenceVideos?: unknown }): boolean {
  return Array.isArray(request.referenceVideos) && request.referenceVideos.length > 0;
}

/** What the request breaks of the rule (empty when nothing). Reads the raw input; never throws. */
export function referenceVideoIssues(request: {
  readonly referenceVideos?: unknown;
  readonly duration?: unknown;
  readonly sound?: unknown;
}): ValidationIssue[] {
  if (!hasReferenceVideo(request)) return [];
  const issues: ValidationIssue[] = [];
  if (request.duration !== undefined) {
    issues.push({
      path: ['duration'],
      message: 'must be left out with referenceVideos (the reference video sets the length)',
    });
  }
  if (request.sound === true) issues.push({ path: ['sound'], message: 'must be off with referenceVideos' });
  return issues;
}
