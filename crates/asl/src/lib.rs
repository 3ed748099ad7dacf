//! stepwell-asl
