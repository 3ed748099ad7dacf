//! stepwell-core
