environment = "production"
region      = "eu-west-1"

# the services and their sizes come from services.auto.tfvars.json (npm run generate, from the
# manifests); counts per environment here, for any of them (defaults: variables.tf)
service_scaling = {
  customer = { desired_count = 2, max_count = 6 }
  products = { desired_count = 2, max_count = 6 }
  shopping = { desired_count = 2, max_count = 6 }
}

# HTTPS either way: without a domain, https://<id>.cloudfront.net; with one (a Route 53 zone of the
# account), CloudFront serves it with an ACM certificate it validates through the zone.
# domain = { name = "shop.example.com", hosted_zone_id = "Z0123456789ABCDEFGHIJ" }
admin_emails = []

docdb_instance_count = 2
mq_deployment_mode   = "SINGLE_INSTANCE"
deletion_protection  = true
