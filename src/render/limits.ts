/**
 * Block Kit and message limits, as documented by Slack (see /work/shared/notes/slack-platform.md §3, §5).
 *
 * Lengths are counted in characters as Slack counts them; we count UTF-16 code units (String#length),
 * which is never smaller than the number of code points, so staying under these with `.length` is safe.
 *
 * Sources: [BK] block reference, [section-block], [header-block], [button-element], [AH] App Home,
 * [PM] chat.postMessage. Values marked "third-party" were cited by others, not read in Slack's page.
 */

/** Blocks in one message [BK]. */
export const MAX_BLOCKS_PER_MESSAGE = 50;
/** Blocks in a modal or the App Home tab [BK]. */
export const MAX_BLOCKS_PER_VIEW = 100;
/** Alias: blocks in a Home tab view. */
export const MAX_BLOCKS_PER_HOME = MAX_BLOCKS_PER_VIEW;

/** Section block `text`: 1..3000 characters [section-block]. */
export const MAX_SECTION_TEXT = 3000;
/** Section block `fields`: at most 10 text objects [section-block]. */
export const MAX_SECTION_FIELDS = 10;
/** Each section field: at most 2000 characters [section-block]. */
export const MAX_SECTION_FIELD_TEXT = 2000;

/** Header block: plain_text, at most 150 characters [header-block]. */
export const MAX_HEADER_TEXT = 150;

/** Button text: at most 75 characters (Slack may truncate the display at about 30) [button-element]. */
export const MAX_BUTTON_TEXT = 75;
/** Display length at which buttons start to truncate visually [button-element]. */
export const BUTTON_TEXT_DISPLAY_HINT = 30;
/** `action_id` of an interactive element: at most 255 characters [button-element]. */
export const MAX_ACTION_ID = 255;
/** Button `value`: at most 2000 characters (third-party citations of [button-element]; not in the notes). */
export const MAX_BUTTON_VALUE = 2000;
/** Button `url`: at most 3000 characters [button-element]. */
export const MAX_BUTTON_URL = 3000;
/** Generic alias for URLs inside Block Kit elements. */
export const MAX_URL = MAX_BUTTON_URL;

/** Context block: at most 10 elements (third-party citation of [BK]). */
export const MAX_CONTEXT_ELEMENTS = 10;
/** Actions block: at most 25 elements (third-party citation of [BK]). */
export const MAX_ACTIONS_ELEMENTS = 25;
/** `block_id`: at most 255 characters (third-party citation of [BK]). */
export const MAX_BLOCK_ID = 255;

/** Home view `private_metadata`: at most 3000 characters [AH]. */
export const MAX_PRIVATE_METADATA = 3000;
/** View `callback_id`: at most 255 characters [AH]. */
export const MAX_CALLBACK_ID = 255;

/**
 * Top-level message `text`: Slack recommends at most 4000 characters; past 40 000 it truncates [PM].
 * With blocks, `text` is the notification / screen-reader fallback, so keep it short.
 */
export const MAX_MESSAGE_TEXT_RECOMMENDED = 4000;
/** Hard truncation point of top-level `text` [PM]. */
export const MAX_MESSAGE_TEXT_HARD = 40_000;
