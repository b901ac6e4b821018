"""Online service inventory, service health and integration with the main portal (docs/services.md).

``site_services`` lists what one site offers; ``integration`` puts the sites together around the
portfolio's main portal. Both run inside the pipeline (``assess_capture`` and ``build_audit``).
"""

from govlens.services.health import classify
from govlens.services.integration import integration, refresh_providers, services_summary
from govlens.services.inventory import site_links, site_services
from govlens.services.providers import ProviderMap, load_providers

__all__ = [
    "ProviderMap",
    "classify",
    "integration",
    "load_providers",
    "refresh_providers",
    "services_summary",
    "site_links",
    "site_services",
]
