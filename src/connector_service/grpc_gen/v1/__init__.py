"""Generated gRPC code for the protos in proto/ (``make proto``; do not edit)."""
