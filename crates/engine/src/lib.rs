//! stepwell-engine
