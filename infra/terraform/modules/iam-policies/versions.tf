terraform {
  # No provider: the documents are computed by Terraform alone, so that the tests assert the exact
  # JSON and check.sh can render it offline for parliament.
  required_version = ">= 1.11.0"
}
