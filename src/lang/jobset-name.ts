// The rule for a jobset's name, one definition for the language (`jobset
// NAME`, and the name taken from the file's) and the API's request schemas.
// A jobset's name becomes part of store keys and schedule names: no `/`, no
// newline, no leading `.` or `-`.
export const JOBSET_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** JOBSET_NAME in words, for error messages. */
export const JOBSET_NAME_RULE = "letters, digits, _, - and ., not starting with . or -";
