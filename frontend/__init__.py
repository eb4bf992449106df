"""The dashboard's static files (HTML, ES modules, CSS), shipped as package data of `trainboard.frontend`."""
