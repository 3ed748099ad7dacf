//! stepwell-jsonata
