//! stepwell-jsonpath
