"""The web portal: server-rendered pages for every role, served by the catalog itself."""

from services.catalog.portal.app import install_portal

__all__ = ["install_portal"]
