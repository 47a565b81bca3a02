terraform {
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # Partial configuration, like the main stack's, with its own key: credentials/<environment>.tfstate
  # (environments/<env>.credentials.s3.tfbackend). The state bucket lets only the deploy role read it.
  backend "s3" {}
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = var.name
      Environment = var.environment
      ManagedBy   = "terraform-credentials"
    }
  }
}
