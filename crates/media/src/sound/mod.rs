//! Audio files: decoding prompts and music on hold into the playback format, and
//! writing recordings.
