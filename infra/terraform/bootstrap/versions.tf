terraform {
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # Bootstrap runs once, from a laptop with administrator credentials, before any remote state
  # exists; its own state stays local (keep the file, or move it into the bucket afterwards).
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project   = var.name
      ManagedBy = "terraform-bootstrap"
    }
  }
}
